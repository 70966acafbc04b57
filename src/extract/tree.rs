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

use super::fasttok::Attr;
use std::borrow::Cow;
use std::collections::HashMap;

/// Index of a node in its [`Doc`].
pub(super) type NodeId = u32;
pub(super) const NONE: NodeId = u32::MAX;

/// An element: its tag name (lower case) and attributes as written.
pub(super) struct Element<'a> {
    pub(super) name: Cow<'a, str>,
    pub(super) attrs: Vec<Attr<'a>>,
    /// The name's `tree_tags::is` bits, for the builder.
    pub(super) kind: u32,
}

impl Element<'_> {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn attrs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attrs.iter().map(|a| (&*a.name, &*a.value))
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name == key).map(|a| &*a.value)
    }

    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    pub fn classes(&self) -> impl Iterator<Item = &str> {
        self.attr("class").unwrap_or("").split_ascii_whitespace()
    }
}

/// What a node holds. Comments and doctypes are not kept: no rule reads them.
pub(super) enum Node<'a> {
    Document,
    Element(Element<'a>),
    Text(Cow<'a, str>),
}

impl<'a> Node<'a> {
    pub fn as_element(&self) -> Option<&Element<'a>> {
        match self {
            Node::Element(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_element(&self) -> bool {
        matches!(self, Node::Element(_))
    }
}

pub(super) struct Slot<'a> {
    node: Node<'a>,
    parent: NodeId,
    first_child: NodeId,
    last_child: NodeId,
    prev: NodeId,
    next: NodeId,
}

/// A parsed page.
pub(super) struct Doc<'a> {
    slots: Vec<Slot<'a>>,
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

impl<'a> Doc<'a> {
    /// The element with this id, for the builder's stack.
    pub(super) fn element(&self, id: NodeId) -> Option<&Element<'a>> {
        self.slots.get(id as usize)?.node.as_element()
    }

    pub(super) fn new() -> Self {
        let mut d = Doc {
            slots: Vec::with_capacity(1024),
        };
        d.slots.push(Slot {
            node: Node::Document,
            parent: NONE,
            first_child: NONE,
            last_child: NONE,
            prev: NONE,
            next: NONE,
        });
        d
    }

    /// Adds the attributes `el` lacks (a second `<html>` / `<body>` tag).
    pub(super) fn merge_attrs(&mut self, id: NodeId, attrs: Vec<Attr<'a>>) {
        if let Some(Slot {
            node: Node::Element(el),
            ..
        }) = self.slots.get_mut(id as usize)
        {
            for a in attrs {
                if !el.attrs.iter().any(|have| have.name == a.name) {
                    el.attrs.push(a);
                }
            }
        }
    }

    pub fn root(&'a self) -> NodeRef<'a> {
        NodeRef { doc: self, id: 0 }
    }

    pub fn get(&'a self, id: NodeId) -> Option<NodeRef<'a>> {
        ((id as usize) < self.slots.len()).then_some(NodeRef { doc: self, id })
    }

    /// Appends `node` as the last child of `parent`; returns its id.
    pub(super) fn append(&mut self, parent: NodeId, node: Node<'a>) -> NodeId {
        let id = self.create(node);
        self.append_node(parent, id);
        id
    }

    /// Adds `node` to the arena without a parent yet (the adoption agency
    /// creates elements before it places them).
    pub(super) fn create(&mut self, node: Node<'a>) -> NodeId {
        let id = self.slots.len() as NodeId;
        self.slots.push(Slot {
            node,
            parent: NONE,
            first_child: NONE,
            last_child: NONE,
            prev: NONE,
            next: NONE,
        });
        id
    }

    /// A new parentless element with `id`'s name and attributes (the spec's
    /// "create an element for the token" of a formatting element again).
    pub(super) fn create_copy(&mut self, id: NodeId) -> NodeId {
        let node = match self.element(id) {
            Some(e) => Node::Element(Element {
                name: e.name.clone(),
                attrs: e.attrs.clone(),
                kind: e.kind,
            }),
            None => Node::Document,
        };
        self.create(node)
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

    /// Adds `node` as the sibling right before `sibling` (content fostered
    /// out of a table goes before the table); returns its id.
    pub(super) fn insert_before(&mut self, sibling: NodeId, node: Node<'a>) -> NodeId {
        let id = self.create(node);
        self.link_before(sibling, id);
        id
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

    /// Adds text right before `sibling`, merged into the text before it if
    /// there is some (as `append_text` merges into the last child).
    pub(super) fn insert_text_before(&mut self, sibling: NodeId, t: Cow<'a, str>) {
        let prev = self.slots[sibling as usize].prev;
        if prev != NONE {
            if let Node::Text(s) = &mut self.slots[prev as usize].node {
                s.to_mut().push_str(&t);
                return;
            }
        }
        self.insert_before(sibling, Node::Text(t));
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
        if last != NONE {
            if let Node::Text(s) = &mut self.slots[last as usize].node {
                s.to_mut().push_str(&t);
                return;
            }
        }
        self.append(parent, Node::Text(t));
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
                        let node = Node::Element(Element {
                            kind: super::tree_tags::kind(&el.name.local),
                            name: Cow::Borrowed(&el.name.local),
                            attrs: el
                                .attrs
                                .iter()
                                .map(|(k, v)| Attr {
                                    name: Cow::Borrowed(&k.local),
                                    value: Cow::Borrowed(v),
                                })
                                .collect(),
                        });
                        let id = d.append(top, node);
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

    pub fn value(&self) -> &'a Node<'a> {
        &self.slot().node
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
