//! End tags for `tree_build`: which open elements each closes under the
//! "in body" rules (block ends in scope, paragraphs, headings, list items,
//! table parts, the form pointer, `</br>` and a stray `</p>`, foreign
//! content's end tags, the adoption agency for formatting elements) and the
//! head's.

use super::{is, Builder, Cow, Mode, Tag};

impl<'a> Builder<'a> {
    pub(super) fn end(&mut self, name: &str) {
        self.skip_lf = false;
        // Most end tags close the current node, an HTML element of their
        // name: every rule below then comes to the same pop (the adoption
        // agency has its own fast path), so skip the string matches, and
        // the name's tag-list bits are the current node's (no lookup).
        let last = self.stack.len().wrapping_sub(1);
        if self.mode == Mode::InBody
            && last >= 1
            && !self.stack[last].foreign
            && self.stack[last].kind & is::END_RULES == 0
            && same_name(self.name(self.stack[last].id), name)
        {
            let kind = self.stack[last].kind;
            if kind & is::FORMATTING != 0 {
                return self.adoption_agency(name);
            }
            // Only a cell, caption or marker element clears formatting
            // entries when it closes (`pop_down`); anything else just leaves.
            if kind & (is::MARKER | is::CELL) == 0 {
                self.stack.pop();
                return self.count(kind, false);
            }
            return self.pop_to(last);
        }
        let kind = super::kind(name);
        // A column group holds columns only: other end tags close it first.
        if self.top_has(is::COLGROUP) && !self.stack.last().is_some_and(|o| o.foreign) {
            match name {
                "col" => return,
                "colgroup" | "template" => {}
                _ => self.leave_colgroup(),
            }
        }
        match name {
            "head" if matches!(self.mode, Mode::Initial | Mode::InHead) => {
                // Before any `<head>`, `</head>` implies one.
                self.ensure_head();
                if let Some(i) = self
                    .stack
                    .iter()
                    .map(|o| o.id)
                    .rposition(|id| Some(id) == self.head)
                {
                    self.pop_to(i);
                }
                self.mode = Mode::AfterHead;
                return;
            }
            "body" | "html" | "br" => {
                if self.mode != Mode::InBody {
                    self.start_body(None);
                }
                if name != "br" {
                    return;
                }
            }
            _ => {}
        }
        if self.mode != Mode::InBody {
            // Closing a head element (`</title>`, `</script>`), else stray.
            if let Some(i) = self.open_named(name) {
                if i >= 1 {
                    self.pop_to(i);
                }
            }
            return;
        }
        if self.stack.last().is_some_and(|o| o.foreign) {
            // End tags in foreign content close foreign elements by name.
            if matches!(name, "br" | "p") {
                while self.in_foreign() && self.stack.len() > 1 {
                    self.pop();
                }
            } else {
                for i in (1..self.stack.len()).rev() {
                    if !self.stack[i].foreign {
                        break; // the HTML rules below handle it
                    }
                    if self.name(self.stack[i].id).eq_ignore_ascii_case(name) {
                        self.pop_to(i);
                        return;
                    }
                }
            }
        }
        match name {
            "form" => {
                let Some(form) = self.form.take() else { return };
                let open = self.in_scope(&["form"], &[]);
                if let Some(i) = open.filter(|&i| self.stack[i].id == form) {
                    // Implied end tags close first (`<p>`, `<li>`, ...); then
                    // only the form leaves the stack, what it holds stays open.
                    while self.stack.len() > i + 1
                        && !self.stack.last().is_none_or(|o| o.foreign)
                        && matches!(
                            self.name(self.top()),
                            "p" | "li"
                                | "dd"
                                | "dt"
                                | "option"
                                | "optgroup"
                                | "rb"
                                | "rp"
                                | "rt"
                                | "rtc"
                        )
                    {
                        self.pop();
                    }
                    self.remove(i);
                }
            }
            // Read as `<br>`, which reopens formatting elements first.
            "br" => self.start_in_body(Tag {
                name: Cow::Borrowed("br"),
                kind,
                attrs: &[],
                self_closing: false,
            }),
            "p" => match (self.open_p > 0)
                .then(|| self.in_scope(&["p"], &["button"]))
                .flatten()
            {
                Some(i) => self.pop_to(i),
                None => {
                    if self.foster().is_some() {
                        // The empty `<p>` would be fostered out of the table.
                        self.unsure = Some("foster parenting");
                    }
                    let top = self.top();
                    self.implied(top, "p");
                }
            },
            _ if kind & is::HEADING != 0 => {
                // The innermost open heading, unless a scope boundary comes first.
                let open = (0..self.stack.len())
                    .rev()
                    .find(|&i| self.stack[i].kind & (is::HEADING | is::SCOPE) != 0);
                if let Some(i) = open.filter(|&i| self.stack[i].kind & is::HEADING != 0) {
                    self.pop_to(i);
                }
            }
            "li" => {
                if let Some(i) = self.in_scope(&["li"], &["ol", "ul"]) {
                    self.pop_to(i);
                }
            }
            "tr" | "td" | "th" | "tbody" | "thead" | "tfoot" | "table" | "caption" | "colgroup" => {
                if let Some(i) = self.table_in_scope(name) {
                    self.pop_to(i);
                } else if name == "table" {
                    if let Some(i) = self.open_named("table") {
                        self.pop_to(i);
                    }
                }
            }
            n if kind & is::BLOCK_END != 0 => {
                if let Some(i) = self.in_scope(&[n], &[]) {
                    self.pop_to(i);
                }
            }
            n if kind & is::FORMATTING != 0 => self.adoption_agency(n),
            _ => self.end_other(name),
        }
    }

    /// The "any other end tag" rule: closes the innermost open `name` unless
    /// a special element comes first.
    pub(super) fn end_other(&mut self, name: &str) {
        for i in (1..self.stack.len()).rev() {
            let n = self.name(self.stack[i].id);
            if n == name {
                self.pop_to(i);
                return;
            }
            if self.stack[i].kind & is::SPECIAL != 0 && !self.stack[i].foreign {
                return;
            }
        }
    }
}

/// `a == b` for tag names, compared in line: names are a few bytes, and the
/// comparison of two strings of unknown length is a call to `memcmp`.
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}
