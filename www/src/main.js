import { createApp } from 'vue';
import init from '../../pkg/resilient_ws.js';
import App from './App.vue';
import './style.css';

try {
  await init();
  createApp(App).mount('#app');
} catch (e) {
  document.querySelector('#app').innerHTML = '<p id="fatal"></p>';
  document.querySelector('#fatal').textContent = `Failed to start: ${e}`;
  throw e;
}
