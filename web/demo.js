// The demo page: shows the events the form dispatches (no inline script: the page runs under
// the proxy's CSP).
const log = document.getElementById('events');
for (const name of ['customer-created', 'customer-error']) {
  document.addEventListener(name, (event) => {
    const line = document.createElement('li');
    line.textContent = `${name}: ${JSON.stringify(event.detail)}`;
    log.prepend(line);
  });
}
