// Starts the app. Trunk names the wasm-bindgen module and the wasm file (with content hashes) in
// this script tag's data attributes instead of an inline loader, so the page runs no inline
// script and its Content-Security-Policy can say `script-src 'self' 'wasm-unsafe-eval'`.
const tag = document.querySelector("script[data-app-js][data-app-wasm]");
const { default: init } = await import(tag.dataset.appJs);
await init({ module_or_path: tag.dataset.appWasm });
