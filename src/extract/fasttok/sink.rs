//! Where `fasttok` puts its tokens: the [`Sink`] trait (a method per kind
//! of token, which the tree builder implements), and the adapter that hands
//! a closure [`Token`]s for `tokenize` and `tokenize_while`.

use std::borrow::Cow;

use super::{Attr, Token};

/// Where [`tokenize_into`](super::tokenize_into) puts the tokens: a method per kind of token, each
/// returning whether to go on. The tree builder implements it directly, so
/// each token reaches its rules as arguments, without a [`Token`] built,
/// passed and matched again for every tag and text (issue 10: that dispatch
/// was about 30 instructions a token).
pub trait Sink<'a> {
    fn start_tag(&mut self, name: Cow<'a, str>, attrs: &[Attr<'a>], self_closing: bool) -> bool;
    fn end_tag(&mut self, name: Cow<'a, str>) -> bool;
    /// Character data; never empty (see [`Token::Text`]).
    fn text(&mut self, t: Cow<'a, str>) -> bool;
    fn comment(&mut self, c: Cow<'a, str>) -> bool;
    fn doctype(
        &mut self,
        name: Cow<'a, str>,
        public_id: Option<Cow<'a, str>>,
        system_id: Option<Cow<'a, str>>,
    ) -> bool;
}

impl<'a, T: Sink<'a> + ?Sized> Sink<'a> for &mut T {
    fn start_tag(&mut self, name: Cow<'a, str>, attrs: &[Attr<'a>], self_closing: bool) -> bool {
        (**self).start_tag(name, attrs, self_closing)
    }
    fn end_tag(&mut self, name: Cow<'a, str>) -> bool {
        (**self).end_tag(name)
    }
    fn text(&mut self, t: Cow<'a, str>) -> bool {
        (**self).text(t)
    }
    fn comment(&mut self, c: Cow<'a, str>) -> bool {
        (**self).comment(c)
    }
    fn doctype(
        &mut self,
        name: Cow<'a, str>,
        public_id: Option<Cow<'a, str>>,
        system_id: Option<Cow<'a, str>>,
    ) -> bool {
        (**self).doctype(name, public_id, system_id)
    }
}

/// A closure as a [`Sink`]: each token as a [`Token`].
pub(super) struct Emit<F>(pub(super) F);

impl<'a, F: FnMut(Token<'a, '_>) -> bool> Sink<'a> for Emit<F> {
    fn start_tag(&mut self, name: Cow<'a, str>, attrs: &[Attr<'a>], self_closing: bool) -> bool {
        (self.0)(Token::StartTag {
            name,
            attrs,
            self_closing,
        })
    }
    fn end_tag(&mut self, name: Cow<'a, str>) -> bool {
        (self.0)(Token::EndTag { name })
    }
    fn text(&mut self, t: Cow<'a, str>) -> bool {
        (self.0)(Token::Text(t))
    }
    fn comment(&mut self, c: Cow<'a, str>) -> bool {
        (self.0)(Token::Comment(c))
    }
    fn doctype(
        &mut self,
        name: Cow<'a, str>,
        public_id: Option<Cow<'a, str>>,
        system_id: Option<Cow<'a, str>>,
    ) -> bool {
        (self.0)(Token::Doctype {
            name,
            public_id,
            system_id,
        })
    }
}
