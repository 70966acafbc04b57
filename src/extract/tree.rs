//! The page as the rules read it: a flat arena of elements and text, with the
//! few navigation calls the rules make (parent, siblings, subtree walk).
//!
//! Built two ways. `tree_build::stream` reads `fasttok`'s tokens and
//! places each one with an element stack and the HTML tree-construction
//! rules that shape real product pages (implied `<html>`/`<head>`/`<body>`,
//! void and raw-text elements, implied ends and table parts, reopened and
//! misnested formatting elements, which move nodes after the fact, and
//! content fostered before a table): the default path, which skips the tree
//! builder's per-token bookkeeping and `scraper`'s node allocation
//! (issue 10); names, attributes and text borrow from the page wherever
//! nothing needed decoding. [`Doc::from_scraper`] copies a tree `scraper` built with the
//! full HTML algorithm: the oracle the differential tests hold `stream` to,
//! and the path for `--selector`, which needs `scraper` anyway.
//!
//! Storage is three vectors a page, whatever its size: the nodes, every
//! element's attributes (an element holds a range of them), and one string
//! for whatever was decoded or merged (a node holds a range of it). A node
//! owns nothing, so freeing a page is three frees, not one per element and
//! decoded string (issue 10: `drop_in_place` of the nodes alone was 4 % of
//! a 110 KB page, and an attribute vector per element a malloc and a free).
//! Readers get [`Node`] and [`Element`] views that resolve those ranges.

use super::fasttok::Attr;
use std::borrow::Cow;
use std::collections::HashMap;

/// Index of a node in its [`Doc`].
pub(super) type NodeId = u32;
pub(super) const NONE: NodeId = u32::MAX;

/// A name, value or text: borrowed from the page (or `scraper`'s tree), or
/// a range of the [`Doc`]'s own string.
#[derive(Clone, Copy)]
enum Str<'a> {
    Page(&'a str),
    Own(u32, u32),
}

/// An attribute as stored: name lower-cased, value decoded.
#[derive(Clone, Copy)]
struct StoredAttr<'a> {
    name: Str<'a>,
    value: Str<'a>,
}

/// What a slot holds. Comments and doctypes are not kept: no rule reads them.
#[derive(Clone, Copy)]
enum Data<'a> {
    Document,
    Element {
        name: Str<'a>,
        /// `Doc::attrs[start..start + len]`.
        attrs: (u32, u32),
        /// The name's `tree_tags::is` bits, for the builder.
        kind: u32,
    },
    Text(Str<'a>),
}

#[derive(Clone, Copy)]
struct Slot<'a> {
    data: Data<'a>,
    parent: NodeId,
    first_child: NodeId,
    last_child: NodeId,
    prev: NodeId,
    next: NodeId,
}

/// A parsed page.
pub(super) struct Doc<'a> {
    slots: Vec<Slot<'a>>,
    attrs: Vec<StoredAttr<'a>>,
    /// Decoded and merged strings, which `Str::Own` ranges point into.
    own: String,
}

/// An element: its tag name (lower case) and attributes as written. A view
/// into its [`Doc`], resolved when read: most readers ask for the name only.
#[derive(Clone, Copy)]
pub(super) struct Element<'a> {
    doc: &'a Doc<'a>,
    name: Str<'a>,
    attrs: (u32, u32),
}

impl<'a> Element<'a> {
    pub fn name(&self) -> &'a str {
        self.doc.str(self.name)
    }

    pub fn attrs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let doc = self.doc;
        let (start, len) = self.attrs;
        doc.attrs
            .get(start as usize..(start + len) as usize)
            .unwrap_or(&[])
            .iter()
            .map(move |a| (doc.str(a.name), doc.str(a.value)))
    }

    pub fn attr(&self, key: &str) -> Option<&'a str> {
        self.attrs().find(|&(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn id(&self) -> Option<&'a str> {
        self.attr("id")
    }

    pub fn classes(&self) -> impl Iterator<Item = &'a str> {
        self.attr("class").unwrap_or("").split_ascii_whitespace()
    }
}

/// What a node is, as the rules read it.
#[derive(Clone, Copy)]
pub(super) enum Node<'a> {
    Document,
    Element(Element<'a>),
    Text(&'a str),
}

impl<'a> Node<'a> {
    pub fn as_element(&self) -> Option<Element<'a>> {
        match self {
            Node::Element(e) => Some(*e),
            _ => None,
        }
    }

    pub fn is_element(&self) -> bool {
        matches!(self, Node::Element(_))
    }
}

/// One node of a [`Doc`], cheap to copy.
#[derive(Clone, Copy)]
pub(super) struct NodeRef<'a> {
    doc: &'a Doc<'a>,
    id: NodeId,
}

/// A step of [`NodeRef::traverse`]: entering or leaving a node.
pub(super) enum Edge<'a> {
    Open(NodeRef<'a>),
    Close(NodeRef<'a>),
}

const fn slot(data: Data<'_>) -> Slot<'_> {
    Slot {
        data,
        parent: NONE,
        first_child: NONE,
        last_child: NONE,
        prev: NONE,
        next: NONE,
    }
}

impl<'a> Doc<'a> {
    /// An empty document, with room for a page of `len` bytes: pages hold
    /// about one node per `BYTES_PER_NODE` bytes, and growing the vector
    /// copies every node so far.
    pub(super) fn with_capacity(len: usize) -> Self {
        let len = len.min(PRESIZED_UP_TO);
        let mut slots = Vec::with_capacity(len / BYTES_PER_NODE + 16);
        slots.push(slot(Data::Document));
        Doc {
            slots,
            attrs: Vec::with_capacity(len / BYTES_PER_ATTR + 16),
            own: String::with_capacity(len / 8),
        }
    }

    pub(super) fn new() -> Self {
        let mut slots = Vec::with_capacity(1024);
        slots.push(slot(Data::Document));
        Doc {
            slots,
            attrs: Vec::new(),
            own: String::new(),
        }
    }

    #[inline]
    fn str(&self, s: Str<'a>) -> &str {
        match s {
            Str::Page(s) => s,
            Str::Own(start, len) => self
                .own
                .get(start as usize..(start + len) as usize)
                .unwrap_or(""),
        }
    }

    /// Stores `s`: borrowed stays borrowed, owned is copied into `own`.
    fn keep(&mut self, s: &Cow<'a, str>) -> Str<'a> {
        match s {
            Cow::Borrowed(s) => Str::Page(s),
            Cow::Owned(s) => self.push_own(s),
        }
    }

    fn push_own(&mut self, s: &str) -> Str<'a> {
        let start = self.own.len() as u32;
        self.own.push_str(s);
        Str::Own(start, s.len() as u32)
    }

    /// The element with this id, for the builder's stack.
    pub(super) fn element(&self, id: NodeId) -> Option<Element<'_>> {
        match self.slots.get(id as usize)?.data {
            Data::Element { name, attrs, .. } => Some(Element {
                doc: self,
                name,
                attrs,
            }),
            _ => None,
        }
    }

    /// The element `id`'s name ("" for any other node).
    pub(super) fn name(&self, id: NodeId) -> &str {
        match self.slots.get(id as usize).map(|s| s.data) {
            Some(Data::Element { name, .. }) => self.str(name),
            _ => "",
        }
    }

    /// The element `id`'s `tree_tags::is` bits (0 for any other node).
    pub(super) fn kind(&self, id: NodeId) -> u32 {
        match self.slots.get(id as usize).map(|s| s.data) {
            Some(Data::Element { kind, .. }) => kind,
            _ => 0,
        }
    }

    /// Adds an element to the arena without a parent yet; returns its id.
    /// `name` is a `Cow` (borrowed, not moved: the caller's tag stays whole)
    /// because borrowed names stay borrowed and only owned ones are copied.
    #[allow(clippy::ptr_arg)]
    pub(super) fn create_element(
        &mut self,
        name: &Cow<'a, str>,
        kind: u32,
        attrs: &[Attr<'a>],
    ) -> NodeId {
        let name = self.keep(name);
        let start = self.attrs.len() as u32;
        for a in attrs {
            let stored = StoredAttr {
                name: self.keep(&a.name),
                value: self.keep(&a.value),
            };
            self.attrs.push(stored);
        }
        self.create(Data::Element {
            name,
            attrs: (start, attrs.len() as u32),
            kind,
        })
    }

    /// Adds the attributes `el` lacks (a second `<html>` / `<body>` tag).
    pub(super) fn merge_attrs(&mut self, id: NodeId, attrs: &[Attr<'a>]) {
        let Some(Data::Element {
            attrs: (start, len),
            ..
        }) = self.slots.get(id as usize).map(|s| s.data)
        else {
            return;
        };
        let have = start as usize..(start + len) as usize;
        let new: Vec<&Attr<'a>> = attrs
            .iter()
            .filter(|a| {
                !self.attrs[have.clone()]
                    .iter()
                    .any(|h| self.str(h.name) == a.name)
            })
            .collect();
        if new.is_empty() {
            return;
        }
        // The element's range moves to the end of the pool, where it can
        // grow (another element may share the old one: see `create_copy`).
        let moved = self.attrs.len() as u32;
        self.attrs.extend_from_within(have);
        for a in new {
            let stored = StoredAttr {
                name: self.keep(&a.name),
                value: self.keep(&a.value),
            };
            self.attrs.push(stored);
        }
        let grown = self.attrs.len() as u32 - moved;
        if let Data::Element { attrs, .. } = &mut self.slots[id as usize].data {
            *attrs = (moved, grown);
        }
    }

    pub fn root(&'a self) -> NodeRef<'a> {
        NodeRef { doc: self, id: 0 }
    }

    pub fn get(&'a self, id: NodeId) -> Option<NodeRef<'a>> {
        ((id as usize) < self.slots.len()).then_some(NodeRef { doc: self, id })
    }

    fn create(&mut self, data: Data<'a>) -> NodeId {
        let id = self.slots.len() as NodeId;
        self.slots.push(slot(data));
        id
    }

    /// A new parentless element with `id`'s name and attributes (the spec's
    /// "create an element for the token" of a formatting element again).
    /// It shares `id`'s attributes: nothing changes them in place.
    pub(super) fn create_copy(&mut self, id: NodeId) -> NodeId {
        let data = match self.slots.get(id as usize).map(|s| s.data) {
            Some(d @ Data::Element { .. }) => d,
            _ => Data::Document,
        };
        self.create(data)
    }

    /// Makes the parentless node `id` the last child of `parent`.
    pub(super) fn append_node(&mut self, parent: NodeId, id: NodeId) {
        let prev = self.slots[parent as usize].last_child;
        let s = &mut self.slots[id as usize];
        s.parent = parent;
        s.prev = prev;
        s.next = NONE;
        if prev == NONE {
            self.slots[parent as usize].first_child = id;
        } else {
            self.slots[prev as usize].next = id;
        }
        self.slots[parent as usize].last_child = id;
    }

    /// Makes the parentless node `id` the sibling right before `sibling`.
    pub(super) fn link_before(&mut self, sibling: NodeId, id: NodeId) {
        let Slot { parent, prev, .. } = self.slots[sibling as usize];
        let s = &mut self.slots[id as usize];
        s.parent = parent;
        s.prev = prev;
        s.next = sibling;
        self.slots[sibling as usize].prev = id;
        if prev == NONE {
            if parent != NONE {
                self.slots[parent as usize].first_child = id;
            }
        } else {
            self.slots[prev as usize].next = id;
        }
    }

    /// Text `t` merged into the text node `into`: in place when that text is
    /// the last thing in `own`, else both copied to its end.
    fn merge_text(&mut self, into: NodeId, t: &str) {
        let Data::Text(have) = self.slots[into as usize].data else {
            return;
        };
        let merged = match have {
            Str::Own(start, len) if (start + len) as usize == self.own.len() => {
                self.own.push_str(t);
                Str::Own(start, len + t.len() as u32)
            }
            _ => {
                let start = self.own.len();
                // Copied out first: it may itself live in `own`.
                let old = self.str(have).to_owned();
                self.own.push_str(&old);
                self.own.push_str(t);
                Str::Own(start as u32, (self.own.len() - start) as u32)
            }
        };
        self.slots[into as usize].data = Data::Text(merged);
    }

    /// Adds text right before `sibling`, merged into the text before it if
    /// there is some (as `append_text` merges into the last child).
    pub(super) fn insert_text_before(&mut self, sibling: NodeId, t: Cow<'a, str>) {
        let prev = self.slots[sibling as usize].prev;
        if prev != NONE && matches!(self.slots[prev as usize].data, Data::Text(_)) {
            return self.merge_text(prev, &t);
        }
        let s = self.keep(&t);
        let id = self.create(Data::Text(s));
        self.link_before(sibling, id);
    }

    /// Whether `id` has a parent.
    pub(super) fn is_attached(&self, id: NodeId) -> bool {
        self.slots
            .get(id as usize)
            .is_some_and(|s| s.parent != NONE)
    }

    /// Takes `id` (with everything below it) out of its parent's children.
    pub(super) fn detach(&mut self, id: NodeId) {
        let Slot {
            parent, prev, next, ..
        } = self.slots[id as usize];
        if parent == NONE {
            return;
        }
        if prev == NONE {
            self.slots[parent as usize].first_child = next;
        } else {
            self.slots[prev as usize].next = next;
        }
        if next == NONE {
            self.slots[parent as usize].last_child = prev;
        } else {
            self.slots[next as usize].prev = prev;
        }
        let s = &mut self.slots[id as usize];
        s.parent = NONE;
        s.prev = NONE;
        s.next = NONE;
    }

    /// Moves every child of `from`, in order, to the end of `to`'s children.
    pub(super) fn move_children(&mut self, from: NodeId, to: NodeId) {
        let mut c = self.slots[from as usize].first_child;
        while c != NONE {
            let next = self.slots[c as usize].next;
            self.detach(c);
            self.append_node(to, c);
            c = next;
        }
    }

    /// Appends text to `parent`, merged into its last child when that is text
    /// (the tokenizer hands text over in pieces; the tree holds one node).
    pub(super) fn append_text(&mut self, parent: NodeId, t: Cow<'a, str>) {
        let last = self.slots[parent as usize].last_child;
        if last != NONE && matches!(self.slots[last as usize].data, Data::Text(_)) {
            return self.merge_text(last, &t);
        }
        let s = self.keep(&t);
        let id = self.create(Data::Text(s));
        self.append_node(parent, id);
    }

    /// Copies the tree `scraper` built (elements and text only), with where
    /// each of its elements went.
    /// `ids` only when asked for (`--selector`): the map costs a hash per element.
    pub fn from_scraper(
        html: &'a scraper::Html,
        want_ids: bool,
    ) -> (Doc<'a>, HashMap<ego_tree::NodeId, NodeId>) {
        use ego_tree::iter::Edge as E;
        let mut d = Doc::new();
        let mut ids = HashMap::new();
        let mut stack: Vec<NodeId> = vec![0];
        for edge in html.tree.root().traverse() {
            let top = stack.last().copied().unwrap_or(0);
            match edge {
                E::Open(n) => match n.value() {
                    scraper::Node::Element(el) => {
                        // Borrowed from `scraper`'s tree, not copied.
                        let start = d.attrs.len() as u32;
                        d.attrs.extend(el.attrs.iter().map(|(k, v)| StoredAttr {
                            name: Str::Page(&k.local),
                            value: Str::Page(v),
                        }));
                        let id = d.create(Data::Element {
                            kind: super::tree_tags::kind(&el.name.local),
                            name: Str::Page(&el.name.local),
                            attrs: (start, d.attrs.len() as u32 - start),
                        });
                        d.append_node(top, id);
                        if want_ids {
                            ids.insert(n.id(), id);
                        }
                        stack.push(id);
                    }
                    // Text on either side of a comment becomes one node, as
                    // in the streaming tree, which keeps no comments: a
                    // reader sees "$<!-- -->12" as one price, and both paths
                    // must read it alike.
                    scraper::Node::Text(t) => d.append_text(top, Cow::Borrowed(&t.text)),
                    _ => {}
                },
                E::Close(n) => {
                    if n.value().is_element() {
                        stack.pop();
                    }
                }
            }
        }
        (d, ids)
    }
}

/// Page bytes per node and per attribute, for [`Doc::with_capacity`]: the
/// fewest seen are 18 and 33 (corpus and demo pages; the median page has 39
/// and 69), so no page regrows them. Room a page does not use is not
/// touched, but a script-heavy page may hold one node per 2 500 bytes, so
/// the room is sized for at most `PRESIZED_UP_TO` bytes (about 2.4 MB
/// reserved); a larger page grows its vectors as before.
const BYTES_PER_NODE: usize = 16;
const BYTES_PER_ATTR: usize = 32;
const PRESIZED_UP_TO: usize = 512 * 1024;

impl<'a> NodeRef<'a> {
    fn slot(&self) -> &'a Slot<'a> {
        &self.doc.slots[self.id as usize]
    }

    fn at(&self, id: NodeId) -> Option<NodeRef<'a>> {
        (id != NONE).then_some(NodeRef { doc: self.doc, id })
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    #[inline]
    pub fn value(&self) -> Node<'a> {
        let doc = self.doc;
        match self.slot().data {
            Data::Document => Node::Document,
            Data::Text(s) => Node::Text(doc.str(s)),
            Data::Element { name, attrs, .. } => Node::Element(Element { doc, name, attrs }),
        }
    }
    pub fn parent(&self) -> Option<NodeRef<'a>> {
        self.at(self.slot().parent)
    }

    pub fn prev_sibling(&self) -> Option<NodeRef<'a>> {
        self.at(self.slot().prev)
    }

    pub fn next_sibling(&self) -> Option<NodeRef<'a>> {
        self.at(self.slot().next)
    }

    pub fn prev_siblings(&self) -> impl Iterator<Item = NodeRef<'a>> {
        std::iter::successors(self.prev_sibling(), |n| n.prev_sibling())
    }

    pub fn next_siblings(&self) -> impl Iterator<Item = NodeRef<'a>> {
        std::iter::successors(self.next_sibling(), |n| n.next_sibling())
    }

    /// This node and everything below it, in document order.
    pub fn descendants(&self) -> impl Iterator<Item = NodeRef<'a>> {
        self.traverse().filter_map(|e| match e {
            Edge::Open(n) => Some(n),
            Edge::Close(_) => None,
        })
    }

    /// Opens and closes of this node and everything below it.
    pub fn traverse(&self) -> Traverse<'a> {
        Traverse {
            root: *self,
            next: Some(Edge::Open(*self)),
        }
    }
}

/// Iterator behind [`NodeRef::traverse`].
pub(super) struct Traverse<'a> {
    root: NodeRef<'a>,
    next: Option<Edge<'a>>,
}

impl<'a> Iterator for Traverse<'a> {
    type Item = Edge<'a>;

    fn next(&mut self) -> Option<Edge<'a>> {
        let cur = self.next.take()?;
        self.next = match &cur {
            Edge::Open(n) => Some(match n.at(n.slot().first_child) {
                Some(c) => Edge::Open(c),
                None => Edge::Close(*n),
            }),
            Edge::Close(n) if n.id == self.root.id => None,
            Edge::Close(n) => match n.next_sibling() {
                Some(s) => Some(Edge::Open(s)),
                None => n.parent().map(Edge::Close),
            },
        };
        Some(cur)
    }
}
