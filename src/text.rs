//! Short texts held inline: a delivery's id, type and tenant, an unknown event's type, id and
//! tenant. Nearly all are short, so holding them costs no allocation, and reading one back no
//! UTF-8 check (`arrayvec`'s `ArrayString`); a longer one goes to the heap.

use arrayvec::ArrayString;

/// A short text (an id, a type, a tenant): inline up to `INLINE_TEXT` bytes, else on the heap.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Text {
    Inline(ArrayString<INLINE_TEXT>),
    Heap(Box<str>),
}

/// The longest text held inline: a UUID (36) and the usual `prefix_` + 24 hex digits fit.
const INLINE_TEXT: usize = 38;

impl Text {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Inline(text) => text,
            Self::Heap(text) => text,
        }
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        match ArrayString::from(text) {
            Ok(inline) => Self::Inline(inline),
            Err(_) => Self::Heap(text.into()),
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        match ArrayString::from(&text) {
            Ok(inline) => Self::Inline(inline),
            Err(_) => Self::Heap(text.into_boxed_str()),
        }
    }
}

impl From<std::borrow::Cow<'_, str>> for Text {
    fn from(text: std::borrow::Cow<'_, str>) -> Self {
        match text {
            std::borrow::Cow::Borrowed(text) => Self::from(text),
            std::borrow::Cow::Owned(text) => Self::from(text),
        }
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn texts_read_back_as_given_inline_or_not() {
        for text in [
            "",
            "dlv_0123456789abcdef01234567",
            "é".repeat(23).as_str(),
            &"x".repeat(47),
            &"y".repeat(256),
        ] {
            let held = Text::from(text);
            assert_eq!(held.as_str(), text);
            assert_eq!(Text::from(text.to_owned()).as_str(), text);
            assert_eq!(
                matches!(held, Text::Inline { .. }),
                text.len() <= 38,
                "{text}"
            );
            assert_eq!(format!("{held:?}"), format!("{text:?}"));
        }
    }
}
