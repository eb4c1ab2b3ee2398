// The registration form widget's module: import it once and use either
//
//   <customer-signup-form endpoint="https://signup.example.com/api/customers"></customer-signup-form>
//
// or `mount(element, options)`, which returns `{ ready, unmount() }`. Options (and the element's
// attributes): `endpoint`, `status`, `consent` (the consent checkbox's text) and `messages` (an
// object, or JSON in the attribute, of replacement texts keyed `field.code`, `code` or one of the
// form's own keys). The form dispatches bubbling, composed `customer-created` and
// `customer-error` events. No inline script or style: it runs under a strict CSP that allows
// this origin and `wasm-unsafe-eval`.
import init, { mount as mountForm } from './pkg/signup-form.js';

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

/**
 * Renders the registration form into `element`.
 * @param {HTMLElement} element
 * @param {{endpoint?: string, status?: string, consent?: string, messages?: Record<string, string>}} [options]
 * @returns {{ready: Promise<void>, unmount(): void}}
 */
export function mount(element, options = {}) {
  let handle;
  let unmounted = false;
  addStyles();
  const mounted = ready.then(() => {
    if (unmounted) return;
    handle = mountForm(element, options);
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

const ATTRIBUTES = ['endpoint', 'status', 'consent', 'messages'];

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
