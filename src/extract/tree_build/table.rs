//! Tables for `tree_build`: content straight in a table, which HTML moves
//! before it (foster parenting), the table modes that stay in force while a
//! fostered element is open, and column groups. After html5ever 0.40's
//! "in table", "in table text" and "in column group" modes.

use super::{is, is_ws, Builder, NodeId, Open};
use std::borrow::Cow;

impl<'a> Builder<'a> {
    /// The table that content placed at the current node would be moved out
    /// of (the spec's foster parenting), if any.
    pub(super) fn foster(&self) -> Option<NodeId> {
        if !self.top_has(is::TABLE_CONTEXT) || self.in_foreign() {
            return None;
        }
        self.stack
            .iter()
            .rev()
            .map(|o| o.id)
            .find(|&id| self.name(id) == "table")
    }

    /// Where an element placed at the current node goes instead: before
    /// the table it would be fostered out of (`None`: at the current node).
    /// Sets `unsure` where the table is not in the tree or a template
    /// holds it.
    pub(super) fn foster_before(&mut self) -> Option<NodeId> {
        self.foster()?;
        self.foster_table()
    }

    /// The table fostered content goes before: the innermost open one.
    /// `None`, with `unsure` set, where a template comes first or the table
    /// is out of the tree (the spec then inserts elsewhere).
    pub(super) fn foster_table(&mut self) -> Option<NodeId> {
        let at = self
            .stack
            .iter()
            .rev()
            .find(|o| !o.foreign && matches!(self.name(o.id), "table" | "template"));
        match at {
            Some(&Open { id: table, .. })
                if self.name(table) == "table" && self.doc.is_attached(table) =>
            {
                Some(table)
            }
            _ => {
                self.unsure = Some("foster parenting");
                None
            }
        }
    }

    /// The spec's insertion mode is a table mode ("in table", "in table
    /// body", "in row"), also where an element fostered out of the table is
    /// the current node: the innermost table part open is not a cell or a
    /// caption.
    pub(super) fn table_mode(&self) -> bool {
        for (i, id) in self.stack.iter().map(|o| o.id).enumerate().rev() {
            if self.stack[i].foreign {
                continue;
            }
            if self.stack[i].kind & is::TABLE_CONTEXT != 0 {
                return true;
            }
            if matches!(self.name(id), "td" | "th" | "caption" | "template" | "html") {
                return false;
            }
        }
        false
    }

    /// The spec's "in column group" mode holds only columns and whitespace:
    /// anything else closes the column group first.
    pub(super) fn leave_colgroup(&mut self) {
        if self.top_has(is::COLGROUP) && !self.stack.last().is_some_and(|o| o.foreign) {
            self.pop();
        }
    }

    /// Places the table text held back: whitespace only stays in the table;
    /// with anything else, every piece goes before the table, as the body's
    /// rules with foster parenting place text.
    /// Inlined: it runs before every tag, and there is rarely any.
    #[inline]
    pub(super) fn flush_table_text(&mut self) {
        if !self.table_text.is_empty() {
            self.place_table_text();
        }
    }

    fn place_table_text(&mut self) {
        // Taken out and put back empty, so the buffer is allocated once a page.
        let mut pending = std::mem::take(&mut self.table_text);
        let top = self.top();
        if pending.iter().all(|t| t.chars().all(is_ws)) {
            for t in pending.drain(..) {
                self.doc.append_text(top, t);
            }
        } else {
            for t in pending.drain(..) {
                self.foster_text(t);
            }
        }
        self.table_text = pending;
    }

    fn foster_text(&mut self, t: Cow<'a, str>) {
        // Reopening formatting elements here would foster them too
        // (`reconstruct` gives up on that).
        self.reconstruct();
        if self.unsure.is_some() {
            return;
        }
        match self.foster_before() {
            Some(table) => self.doc.insert_text_before(table, t),
            None if self.unsure.is_none() => {
                let top = self.top();
                self.doc.append_text(top, t);
            }
            None => {}
        }
    }
}
