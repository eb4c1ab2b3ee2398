// The registration form widget's module: import it once and use either
//
//   <customer-signup-form endpoint="https://signup.example.com/api/customers"></customer-signup-form>
//
// or `mount(element, options)`, which returns `{ ready, unmount() }`. Options (and the element's
// attributes): `endpoint`, `status`, `consent` (the consent checkbox's text; the attribute
// without a value, or the option `true`: the default text), `locale` (a BCP 47 tag, or a list best
// first; else the `lang` of the nearest ancestor, across shadow roots, then the browser's
// languages) and `messages` (an object, or JSON in the attribute, of replacement texts keyed
// `field.code`, `code` or one of the form's own keys, which win over the locale's). A locale
// other than English loads its pack, `locales/TAG.json` beside this file, once per page; without
// it the form speaks English. The form dispatches bubbling, composed `customer-created` and
// `customer-error` events. No inline script or style: it runs under a strict CSP that allows
// this origin and `wasm-unsafe-eval`.
import init, { mount as mountForm } from './pkg/signup-form.js';
import { locale } from './locale.js';

const here = import.meta.url;
const ready = init({ module_or_path: new URL('pkg/signup-form_bg.wasm', here) });

/** Adds the widget's stylesheet to the page once (embedders restyle it with --signup-* properties). */
function addStyles() {
  if (document.querySelector('link[data-signup-form]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('signup-form.css', here).href;
  link.dataset.signupForm = '';
  document.head.append(link);
}

/** How long a pack may take (ms) before the form shows in English instead. */
const PACK_TIMEOUT = 5000;

/** Locale packs by tag, each fetched once per page: a promise of its texts, or of nothing. */
const packs = new Map();
const pack = (tag) => {
  if (!packs.has(tag)) {
    const url = new URL(`locales/${tag}.json`, here);
    const texts = fetch(url, { signal: AbortSignal.timeout?.(PACK_TIMEOUT) }).then((response) => (response.ok ? response.json() : undefined));
    packs.set(tag, texts.catch(() => undefined));
  }
  return packs.get(tag);
};

/** The value of attribute `name` on `element` or its nearest ancestor, across shadow roots. */
function inherited(element, name) {
  for (let node = element; node; node = node.parentElement ?? node.getRootNode().host) {
    if (node.hasAttribute(name)) return node.getAttribute(name);
  }
  return null;
}

/** The language tags to choose from, best first: the embedder's, else the page's, then the browser's. */
function candidates(element, asked) {
  const tags = [].concat(asked ?? []).map(String).filter((tag) => tag.trim());
  if (tags.length) return tags;
  return [inherited(element, 'lang') || document.documentElement.lang].filter(Boolean).concat(navigator.languages ?? []);
}

/**
 * Renders the registration form into `element`.
 * @param {HTMLElement} element
 * @param {{endpoint?: string, status?: string, consent?: string | boolean, locale?: string | string[], messages?: Record<string, string>}} [options]
 * @returns {{ready: Promise<void>, unmount(): void}}
 */
export function mount(element, options = {}) {
  let handle;
  let unmounted = false;
  addStyles();
  // The pack loads while the wasm does.
  const tag = locale(candidates(element, options.locale));
  const loaded = tag == 'en' ? undefined : pack(tag);
  const mounted = ready.then(async () => {
    const texts = await loaded;
    if (unmounted) return;
    handle = mountForm(element, texts ? { ...options, pack: texts } : options);
    // The form just appended to the element (which may hold more).
    const form = element.lastElementChild;
    // The form says which language it shows (for screen readers and hyphenation): the pack's,
    // or English when there is none; unknown when the embedder worded it without a pack.
    if (form && (texts || !options.messages)) form.lang = texts ? tag : 'en';
    // A right-to-left pack turns the form unless the page chose a direction around it.
    if (form && texts?.dir == 'rtl' && inherited(element, 'dir') == null) form.dir = 'rtl';
    // For embedders' and our own timing: when the form became interactive.
    performance.mark('signup-form:ready');
  });
  return {
    ready: mounted,
    unmount() {
      unmounted = true;
      if (handle) {
        // Freeing the handle unmounts the form.
        handle.free();
        handle = undefined;
      }
    },
  };
}

const ATTRIBUTES = ['endpoint', 'status', 'consent', 'locale', 'messages'];

/** `<customer-signup-form>`: the form, with its options read from attributes. */
class CustomerSignupForm extends HTMLElement {
  static observedAttributes = ATTRIBUTES;
  #handle;

  connectedCallback() {
    this.#render();
  }

  disconnectedCallback() {
    this.#handle?.unmount();
    this.#handle = undefined;
  }

  attributeChangedCallback() {
    if (this.#handle) {
      this.#handle.unmount();
      this.#render();
    }
  }

  #render() {
    const options = {};
    for (const name of ATTRIBUTES) {
      const value = this.getAttribute(name);
      if (value === null) continue;
      if (name !== 'messages') {
        options[name] = value;
        continue;
      }
      try {
        options.messages = JSON.parse(value);
      } catch {
        console.error('customer-signup-form: the messages attribute is not JSON; using the default texts');
      }
    }
    this.#handle = mount(this, options);
  }
}

if (!customElements.get('customer-signup-form')) {
  customElements.define('customer-signup-form', CustomerSignupForm);
}
