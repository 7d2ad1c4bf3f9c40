//! Entry point: allocator, panic hook, mount the app.

// Talc is smaller in the download than Rust's default wasm allocator (dlmalloc).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    // Panic messages go to the console. console_error_panic_hook would add a stack trace, but
    // the browser shows the trace of the trap that follows anyway, and the message is what
    // matters.
    std::panic::set_hook(Box::new(|info| {
        leptos::logging::error!("{info}");
    }));
    leptos::mount::mount_to_body(spa::App);
}
