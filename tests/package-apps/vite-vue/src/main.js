import { createApp } from 'vue';
import App from './App.vue';

const app = createApp(App);
app.mount('#app');
window.unmountApp = () => app.unmount(); // the test: the last user unmounts
