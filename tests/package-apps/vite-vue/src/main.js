import { createApp } from 'vue';
import { ResilientWebSocket } from 'resilient-ws';
import App from './App.vue';
import Pages from './pages.js';

// ?mode=suspense|keepalive: two pages switched by window.showPage (pages.js); else one page.
const mode = new URLSearchParams(location.search).get('mode');
const app = mode ? createApp(Pages, { mode }) : createApp(App);
app.mount('#app');
window.unmountApp = () => app.unmount(); // the test: the last user unmounts
window.ResilientWebSocket = ResilientWebSocket; // the test: disposeInstance from outside
