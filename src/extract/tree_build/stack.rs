//! The stack of open elements for `tree_build`: pushing and popping (with
//! the counts and formatting markers that follow them) and the spec's
//! scopes, which decide what an end tag may close.

use super::{is, Builder, NodeId, Open};

impl Builder<'_> {
    pub(super) fn name(&self, id: NodeId) -> &str {
        self.doc.name(id)
    }

    pub(super) fn top(&self) -> NodeId {
        self.stack.last().map_or(0, |o| o.id)
    }

    pub(super) fn top_is(&self, names: &[&str]) -> bool {
        self.stack
            .last()
            .is_some_and(|t| names.contains(&self.name(t.id)))
    }

    /// The current node has one of `bits`.
    pub(super) fn top_has(&self, bits: u32) -> bool {
        self.stack.last().is_some_and(|o| o.kind & bits != 0)
    }

    pub(super) fn pop(&mut self) {
        if self.stack.len() <= 1 {
            return; // `<html>` stays
        }
        self.remove(self.stack.len() - 1);
    }

    /// Takes the open element at stack index `i` off the stack.
    pub(super) fn remove(&mut self, i: usize) {
        let open = if i + 1 == self.stack.len() {
            self.stack.pop()
        } else {
            Some(self.stack.remove(i))
        };
        if let Some(o) = open {
            self.count(o.kind, false);
        }
    }

    pub(super) fn push_html(&mut self, id: NodeId) {
        // Names are matched whatever their namespace, as the lists are.
        self.push(id, self.doc.kind(id), false);
    }

    /// Opens `id`, whose name's [`is`] bits are `kind`.
    pub(super) fn push(&mut self, id: NodeId, kind: u32, foreign: bool) {
        self.stack.push(Open { id, kind, foreign });
        self.count(kind, true);
    }

    /// Puts the HTML element `id` on the stack at index `i`.
    pub(super) fn insert_open(&mut self, i: usize, id: NodeId) {
        // Names are matched whatever their namespace, as the lists are.
        let kind = self.doc.kind(id);
        let foreign = false;
        self.stack.insert(i, Open { id, kind, foreign });
        self.count(kind, true);
    }

    /// Keeps `open_p` and `open_select` as elements are opened and closed.
    pub(super) fn count(&mut self, kind: u32, opened: bool) {
        if kind & (is::P | is::SELECT) == 0 {
            return; // most elements
        }
        for (bit, n) in [
            (is::P, &mut self.open_p),
            (is::SELECT, &mut self.open_select),
        ] {
            if kind & bit != 0 {
                *n = if opened { *n + 1 } else { n.saturating_sub(1) };
            }
        }
    }

    /// The current node is foreign and not an HTML integration point (where
    /// HTML tags are HTML again).
    pub(super) fn in_foreign(&self) -> bool {
        self.stack.last().is_some_and(|o| o.foreign) && !self.top_has(is::INTEGRATION)
    }

    /// Stack index of the innermost open element named `name`.
    pub(super) fn open_named(&self, name: &str) -> Option<usize> {
        self.stack.iter().rposition(|o| self.name(o.id) == name)
    }

    /// Stack index of the element `id`, if it is open.
    pub(super) fn stack_index(&self, id: NodeId) -> Option<usize> {
        self.stack.iter().rposition(|o| o.id == id)
    }

    /// Pops up to and including the element at stack index `i` (its end
    /// tag, or one that closes it).
    pub(super) fn pop_to(&mut self, i: usize) {
        self.pop_down(i, true);
    }

    /// Pops the elements from stack index `i` up; `closes_i` when that is
    /// closing the element at `i` by its own end tag (not clearing the
    /// stack back to a table part, which pops what was fostered).
    pub(super) fn pop_down(&mut self, i: usize, closes_i: bool) {
        let i = i.max(1);
        // Closing a cell or caption, or an `applet` / `marquee` / `object` /
        // template by its end tag, clears the formatting list to the last
        // marker, once (however many markers what it holds put there).
        let clear = !self.fmt.is_empty()
            && i < self.stack.len()
            && ((closes_i && self.stack[i].kind & is::MARKER != 0 && !self.stack[i].foreign)
                || (i..self.stack.len())
                    .any(|j| self.stack[j].kind & is::CELL != 0 && !self.stack[j].foreign));
        while self.stack.len() > i {
            self.pop();
        }
        if clear {
            self.clear_to_marker();
        }
    }

    /// Stack index of the innermost open `table` within table scope.
    pub(super) fn table_in_scope(&self, name: &str) -> Option<usize> {
        for (i, id) in self.stack.iter().map(|o| o.id).enumerate().rev() {
            if self.name(id) == name {
                return Some(i);
            }
            if self.stack[i].kind & is::TABLE_BOUNDARY != 0 {
                return None;
            }
        }
        None
    }

    /// Stack index of the innermost open `names` element within a scope
    /// bounded by `SCOPE` plus `extra`.
    pub(super) fn in_scope(&self, names: &[&str], extra: &[&str]) -> Option<usize> {
        for (i, id) in self.stack.iter().map(|o| o.id).enumerate().rev() {
            let n = self.name(id);
            if names.contains(&n) {
                return Some(i);
            }
            if self.stack[i].kind & is::SCOPE != 0 || extra.contains(&n) {
                return None;
            }
        }
        None
    }

    pub(super) fn close_p(&mut self) {
        if self.open_p == 0 {
            return;
        }
        if let Some(i) = self.in_scope(&["p"], &["button"]) {
            self.pop_to(i);
        }
    }
}
