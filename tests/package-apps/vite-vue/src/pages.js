// Two pages that use the same client with { dispose: true }, switched as an app's router
// would: through <Suspense> (how Nuxt's <NuxtPage> renders pages: the next page's setup
// runs before the old page unmounts) or <KeepAlive> (the old page is only deactivated).
// `?mode=suspense|keepalive` (main.js). Each page shows its client's state and, once it
// came back, what it sent when the client was open; window.shown is the page on screen and
// its client. `&form=own`: each page owns its client instead (VueUse's form: a URL, closed
// when the page's scope ends).
import { KeepAlive, Suspense, computed, defineComponent, h, onActivated, onMounted, ref, shallowRef, watch } from 'vue';
import { useResilientWebSocket } from 'resilient-ws/vue';

const query = new URLSearchParams(location.search);
const url = query.get('ws');
const own = query.get('form') === 'own';
let visits = 0;

function page(name, setupDelay) {
  const use = () => {
    const visit = ++visits;
    const ws = own ? useResilientWebSocket(url) : useResilientWebSocket({ url }, { dispose: true });
    const sent = `${name}#${visit}`;
    watch(ws.state, (s) => s === 'open' && ws.send(sent), { immediate: true });
    // What the page sent came back (other pages' traffic on the shared client too: a kept
    // alive page still listens).
    const echoed = computed(() => ws.messages.value.some((m) => m.dir === 'in' && m.data === sent));
    const show = () => (window.shown = { name, visit, client: ws.client, sent });
    onMounted(show);
    onActivated(show);
    return () =>
      h('div', { id: `page-${name}` }, [
        h('p', { class: 'state' }, ws.state.value),
        h('p', { class: 'echo' }, echoed.value ? sent : ''),
      ]);
  };
  return defineComponent({
    name: `Page${name}`,
    // An async setup (awaiting after the composable, as pages that load data do) needs
    // <Suspense>: only the Suspense mode uses it.
    setup: setupDelay
      ? async () => {
          const render = use();
          await new Promise((r) => setTimeout(r, setupDelay));
          return render;
        }
      : use,
  });
}

// `?mode=url`: one component whose URL is a ref the test changes (window.setUrl): VueUse's
// form moves its one client to the new URL.
const UrlPage = defineComponent({
  setup() {
    const current = ref(url);
    window.setUrl = (u) => (current.value = u);
    const ws = useResilientWebSocket(current);
    return () => h('div', { id: 'page-url' }, [h('p', { class: 'state' }, ws.state.value), h('p', { class: 'url' }, ws.ws.value?.url ?? '')]);
  },
});

export default defineComponent({
  props: { mode: String },
  setup(props) {
    if (props.mode === 'url') return () => h(UrlPage);
    const async = props.mode === 'suspense';
    // B's setup waits (only under Suspense), so a switch away from B can abandon it.
    const pages = { A: page('A', 0), B: page('B', async ? 300 : 0) };
    const current = shallowRef('A');
    window.showPage = (name) => (current.value = name);
    return () => {
      const view = h(pages[current.value]);
      return props.mode === 'suspense'
        ? h(Suspense, null, { default: () => view })
        : h(KeepAlive, null, { default: () => view });
    };
  },
});
