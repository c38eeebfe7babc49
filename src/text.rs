//! Number formatting for error messages, shared by the engine's option validation and the
//! shell's input validation (a leaf module: neither depends on the other for it).

/// A number as JS prints it (`String(x)`): in the browser by JS itself (no float
/// formatting code in the wasm), on the host (engine tests) by Rust, which prints the
/// values these messages show (integers, simple fractions, NaN, the infinities) alike.
pub fn number_text(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 9.0e15 {
        let mut s = String::new();
        if x < 0.0 {
            s.push('-');
        }
        push_u64(&mut s, x.abs() as u64);
        return s;
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

/// Appends `n` in decimal. Error messages are built from static parts and these digits, not
/// with `format!`: `core::fmt`'s integer and argument machinery stays out of the wasm
/// (issue 12).
pub fn push_u64(s: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in digits.get(i..).unwrap_or_default() {
        s.push(char::from(d));
    }
}

/// A part of a message built by [`message`].
pub enum Part<'a> {
    /// Text as is.
    S(&'a str),
    /// An integer in decimal.
    N(u64),
}

/// Concatenates the parts (text and integers) into one message.
pub fn message(parts: &[Part<'_>]) -> String {
    let mut s = String::new();
    for p in parts {
        match p {
            Part::S(t) => s.push_str(t),
            Part::N(n) => push_u64(&mut s, *n),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_as_rust_prints_them() {
        for n in [
            0u64,
            1,
            9,
            10,
            99,
            100,
            12345,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        for x in [0.0, -0.0, 1.0, -1.0, 1000.0, -4999.0, 8.9e15] {
            assert_eq!(number_text(x), (x as i64).to_string(), "{x}");
        }
        assert_eq!(
            message(&[Part::S("a "), Part::N(42), Part::S(" b")]),
            "a 42 b"
        );
    }
}
