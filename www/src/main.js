import { createApp } from 'vue';
// The package loads its WebAssembly module itself (a top-level await in 'resilient-ws').
import 'resilient-ws';
import App from './App.vue';
import './style.css';

try {
  createApp(App).mount('#app');
} catch (e) {
  document.querySelector('#app').innerHTML = '<p id="fatal"></p>';
  document.querySelector('#fatal').textContent = `Failed to start: ${e}`;
  throw e;
}
