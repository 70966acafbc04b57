//! The list of active formatting elements for `tree_build`: how HTML reopens
//! a `<b>`, `<a>` or `<font>` closed implicitly by a block's end ("reconstruct
//! the active formatting elements"), with markers for cells, captions,
//! `applet` / `marquee` / `object` / `template` and the Noah's Ark clause, and
//! how it restructures formatting elements misnested around blocks (the
//! adoption agency algorithm, also run for `<a>` inside `<a>` and `<nobr>`
//! inside `<nobr>`). Written step by step after html5ever 0.40's tree builder
//! (`adoption_agency`, `reconstruct_active_formatting_elements`,
//! `create_formatting_element_for`), which is the oracle: sloppy real pages
//! use these rules, and a page that needs them no longer pays for the full
//! parse.

use super::{Builder, NodeId, NONE};
use crate::extract::tree::Element;
use crate::extract::tree_tags::is;

/// A marker on the list (`Builder::fmt` holds element ids and markers).
pub(super) const MARKER: NodeId = NONE;

/// Where the adoption agency's bookmark puts the new formatting element.
enum Bookmark {
    /// In the old formatting element's place.
    Replace,
    /// Right after this entry.
    After(NodeId),
}

impl Builder<'_> {
    /// The formatting element `id` (just opened and pushed) goes on the list,
    /// after dropping the earliest of three identical ones since the last
    /// marker (Noah's Ark).
    pub(super) fn push_formatting(&mut self, id: NodeId) {
        let mut same = 0;
        let mut earliest = None;
        for (i, &e) in self.fmt.iter().enumerate().rev() {
            if e == MARKER {
                break;
            }
            if self.same_tag(e, id) {
                same += 1;
                earliest = Some(i);
            }
        }
        if same >= 3 {
            if let Some(i) = earliest {
                self.fmt.remove(i);
            }
        }
        self.fmt.push(id);
    }

    /// Same name and attributes in any order (html5ever's
    /// `equiv_modulo_attr_order`).
    fn same_tag(&self, a: NodeId, b: NodeId) -> bool {
        let (Some(a), Some(b)) = (self.doc.element(a), self.doc.element(b)) else {
            return false;
        };
        if a.name() != b.name() || a.attrs().count() != b.attrs().count() {
            return false;
        }
        sorted_attrs(a) == sorted_attrs(b)
    }

    /// Clears the list back to and including the last marker (a cell,
    /// caption, `applet` / `marquee` / `object` or template closed).
    pub(super) fn clear_to_marker(&mut self) {
        while let Some(e) = self.fmt.pop() {
            if e == MARKER {
                break;
            }
        }
    }

    fn is_open(&self, id: NodeId) -> bool {
        self.stack.iter().map(|o| o.id).rev().any(|s| s == id)
    }

    /// Reopens, at the current node, the formatting elements on the list
    /// (since the last marker) that are no longer open.
    pub(super) fn reconstruct(&mut self) {
        let Some(&last) = self.fmt.last() else { return };
        if last == MARKER || self.top() == last || self.is_open(last) {
            return;
        }
        let mut i = self.fmt.len() - 1;
        while i > 0 && self.fmt[i - 1] != MARKER && !self.is_open(self.fmt[i - 1]) {
            i -= 1;
        }
        for j in i..self.fmt.len() {
            let top = self.top();
            let new = self.doc.create_copy(self.fmt[j]);
            // Straight in a table, the first goes before it (fostered).
            match self.foster().and_then(|_| self.foster_table()) {
                Some(table) => self.doc.link_before(table, new),
                None if self.unsure.is_some() => return,
                None => self.doc.append_node(top, new),
            }
            self.push_html(new);
            self.fmt[j] = new;
        }
    }

    /// The last element named `name` on the list since the last marker.
    fn formatting_named(&self, name: &str) -> Option<usize> {
        let since = self
            .fmt
            .iter()
            .rposition(|&e| e == MARKER)
            .map_or(0, |m| m + 1);
        (since..self.fmt.len())
            .rev()
            .find(|&i| self.name(self.fmt[i]) == name)
    }

    /// A start tag `<a>` while an `<a>` is on the list: the open one is
    /// closed by the adoption agency, and dropped from the list and the stack
    /// if that left it there.
    pub(super) fn close_open_a(&mut self) {
        let Some(i) = self.formatting_named("a") else {
            return;
        };
        let a = self.fmt[i];
        self.adoption_agency("a");
        if let Some(i) = self.fmt.iter().position(|&e| e == a) {
            self.fmt.remove(i);
        }
        if let Some(i) = self.stack_index(a) {
            self.remove(i);
        }
    }

    /// `<nobr>` while one is in scope: the open one is closed first.
    pub(super) fn close_open_nobr(&mut self) {
        if self.in_scope(&["nobr"], &[]).is_some() {
            self.adoption_agency("nobr");
            self.reconstruct();
        }
    }

    /// Whether the open element at stack index `at` is in (default) scope.
    fn in_scope_at(&self, at: usize) -> bool {
        for i in (at..self.stack.len()).rev() {
            if i == at {
                return true;
            }
            // SVG's `desc` / `title` / `foreignObject` end scopes too.
            if self.stack[i].kind & is::SCOPE != 0
                || (self.stack[i].foreign && self.stack[i].kind & is::INTEGRATION != 0)
            {
                return false;
            }
        }
        false
    }

    /// The adoption agency algorithm for an end tag `subject` (a formatting
    /// element's name), as html5ever 0.40 runs it.
    pub(super) fn adoption_agency(&mut self, subject: &str) {
        let top = self.top();
        if self.fmt.last() == Some(&top) && self.name(top) == subject {
            // The common case, a well-nested end tag: the algorithm's first
            // round finds the current node, with nothing above it, and closes it.
            self.pop();
            self.fmt.pop();
            return;
        }
        if self.name(top) == subject
            && !self.stack.last().is_some_and(|o| o.foreign)
            && !self.fmt.contains(&top)
        {
            self.pop();
            return;
        }
        for _ in 0..8 {
            let Some(fi) = self.formatting_named(subject) else {
                return self.end_other(subject);
            };
            let fe = self.fmt[fi];
            let Some(si) = self.stack_index(fe) else {
                self.fmt.remove(fi);
                return;
            };
            if !self.in_scope_at(si) {
                return;
            }
            let furthest = (si + 1..self.stack.len())
                .find(|&i| self.stack[i].kind & is::SPECIAL != 0 && !self.stack[i].foreign);
            let Some(fb_index) = furthest else {
                // Nothing special inside: the element and what it holds close.
                self.pop_to(si);
                self.fmt.remove(fi);
                return;
            };
            let fb = self.stack[fb_index].id;
            let common = self.stack[si - 1].id;
            // A table part above: what moves there is fostered before the table.
            let foster =
                self.stack[si - 1].kind & is::TABLE_CONTEXT != 0 && !self.stack[si - 1].foreign;
            let mut bookmark = Bookmark::Replace;
            let mut node_index = fb_index;
            let mut last = fb;
            let mut inner = 0;
            loop {
                inner += 1;
                node_index -= 1;
                let node = self.stack[node_index].id;
                if node == fe {
                    break;
                }
                let pos = self.fmt.iter().position(|&e| e == node);
                if inner > 3 {
                    if let Some(p) = pos {
                        self.fmt.remove(p);
                    }
                    self.remove(node_index);
                    continue;
                }
                let Some(p) = pos else {
                    self.remove(node_index);
                    continue;
                };
                let new = self.doc.create_copy(node);
                self.stack[node_index].id = new;
                self.fmt[p] = new;
                if last == fb {
                    bookmark = Bookmark::After(new);
                }
                self.doc.detach(last);
                self.doc.append_node(new, last);
                last = new;
            }
            self.doc.detach(last);
            match foster.then(|| self.foster_table()) {
                Some(Some(table)) => self.doc.link_before(table, last),
                Some(None) => return, // `unsure` says why
                None => self.doc.append_node(common, last),
            }
            let new = self.doc.create_copy(fe);
            self.doc.move_children(fb, new);
            self.doc.append_node(fb, new);
            match bookmark {
                Bookmark::Replace => {
                    if let Some(p) = self.fmt.iter().position(|&e| e == fe) {
                        self.fmt[p] = new;
                    }
                }
                Bookmark::After(prev) => {
                    if let Some(p) = self.fmt.iter().position(|&e| e == prev) {
                        self.fmt.insert(p + 1, new);
                    }
                    if let Some(p) = self.fmt.iter().position(|&e| e == fe) {
                        self.fmt.remove(p);
                    }
                }
            }
            if let Some(i) = self.stack_index(fe) {
                self.remove(i);
            }
            if let Some(i) = self.stack.iter().map(|o| o.id).position(|s| s == fb) {
                self.insert_open(i + 1, new);
            }
        }
    }
}

fn sorted_attrs<'e>(e: Element<'e>) -> Vec<(&'e str, &'e str)> {
    let mut v: Vec<(&str, &str)> = e.attrs().collect();
    v.sort_unstable();
    v
}
