//! Number formatting for error messages, shared by the engine's option validation and the
//! shell's input validation (a leaf module: neither depends on the other for it).

/// A number as JS prints it (`String(x)`): in the browser by JS itself (no float
/// formatting code in the wasm), on the host (engine tests) by Rust, which prints the
/// values these messages show (integers, simple fractions, NaN, the infinities) alike.
pub fn number_text(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 9.0e15 {
        return (x as i64).to_string();
    }
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Number::from(x)
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        if x.is_nan() {
            "NaN".into()
        } else if x.is_infinite() {
            if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
        } else {
            x.to_string()
        }
    }
}
