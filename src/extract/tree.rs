//! The page as the rules read it: a flat arena of elements and text, with the
//! few navigation calls the rules make (parent, siblings, subtree walk).
//!
//! Built two ways. [`Doc::stream`] drives html5ever's *tokenizer* alone and
//! places each token with an element stack and the HTML closing rules that
//! shape real product pages (implied `<html>`/`<head>`/`<body>`, void
//! elements, raw-text elements, implied ends of `p`/`li`/`dd`/`option`/table
//! cells, implied `<tbody>`/`<tr>`): the default path, which skips the tree
//! builder's per-token bookkeeping and `scraper`'s node allocation
//! (issue 10). [`Doc::from_scraper`] copies a tree `scraper` built with the
//! full HTML algorithm: the oracle the differential tests hold `stream` to,
//! and the path for `--selector`, which needs `scraper` anyway.

use html5ever::tendril::StrTendril;
use html5ever::LocalName;
use std::collections::HashMap;

/// Index of a node in its [`Doc`].
pub(super) type NodeId = u32;
pub(super) const NONE: NodeId = u32::MAX;

/// An element: its tag name (lower case) and attributes as written.
pub(super) struct Element {
    pub(super) name: LocalName,
    pub(super) attrs: Vec<(LocalName, StrTendril)>,
}

impl Element {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn attrs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attrs.iter().map(|(k, v)| (&**k, &**v))
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| &**v)
    }

    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    pub fn classes(&self) -> impl Iterator<Item = &str> {
        self.attr("class").unwrap_or("").split_ascii_whitespace()
    }
}

/// What a node holds. Comments and doctypes are not kept: no rule reads them.
pub(super) enum Node {
    Document,
    Element(Element),
    Text(StrTendril),
}

impl Node {
    pub fn as_element(&self) -> Option<&Element> {
        match self {
            Node::Element(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_element(&self) -> bool {
        matches!(self, Node::Element(_))
    }
}

pub(super) struct Slot {
    node: Node,
    parent: NodeId,
    first_child: NodeId,
    last_child: NodeId,
    prev: NodeId,
    next: NodeId,
}

/// A parsed page.
pub(super) struct Doc {
    slots: Vec<Slot>,
}

/// One node of a [`Doc`], cheap to copy.
#[derive(Clone, Copy)]
pub(super) struct NodeRef<'a> {
    doc: &'a Doc,
    id: NodeId,
}

/// A step of [`NodeRef::traverse`]: entering or leaving a node.
pub(super) enum Edge<'a> {
    Open(NodeRef<'a>),
    Close(NodeRef<'a>),
}

impl Doc {
    /// The element with this id, for the builder's stack.
    pub(super) fn element(&self, id: NodeId) -> Option<&Element> {
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
    pub(super) fn merge_attrs(&mut self, id: NodeId, attrs: Vec<(LocalName, StrTendril)>) {
        if let Some(Slot {
            node: Node::Element(el),
            ..
        }) = self.slots.get_mut(id as usize)
        {
            for (k, v) in attrs {
                if !el.attrs.iter().any(|(have, _)| *have == k) {
                    el.attrs.push((k, v));
                }
            }
        }
    }

    pub fn root(&self) -> NodeRef<'_> {
        NodeRef { doc: self, id: 0 }
    }

    pub fn get(&self, id: NodeId) -> Option<NodeRef<'_>> {
        ((id as usize) < self.slots.len()).then_some(NodeRef { doc: self, id })
    }

    /// Appends `node` as the last child of `parent`; returns its id.
    pub(super) fn append(&mut self, parent: NodeId, node: Node) -> NodeId {
        let id = self.slots.len() as NodeId;
        let prev = self.slots[parent as usize].last_child;
        self.slots.push(Slot {
            node,
            parent,
            first_child: NONE,
            last_child: NONE,
            prev,
            next: NONE,
        });
        if prev == NONE {
            self.slots[parent as usize].first_child = id;
        } else {
            self.slots[prev as usize].next = id;
        }
        self.slots[parent as usize].last_child = id;
        id
    }

    /// Appends text to `parent`, merged into its last child when that is text
    /// (the tokenizer hands text over in pieces; the tree holds one node).
    pub(super) fn append_text(&mut self, parent: NodeId, t: &str) {
        let last = self.slots[parent as usize].last_child;
        if last != NONE {
            if let Node::Text(s) = &mut self.slots[last as usize].node {
                s.push_slice(t);
                return;
            }
        }
        self.append(parent, Node::Text(StrTendril::from_slice(t)));
    }

    /// Copies the tree `scraper` built (elements and text only), with where
    /// each of its elements went.
    /// `ids` only when asked for (`--selector`): the map costs a hash per element.
    pub fn from_scraper(
        html: &scraper::Html,
        want_ids: bool,
    ) -> (Doc, HashMap<ego_tree::NodeId, NodeId>) {
        use ego_tree::iter::Edge as E;
        let mut d = Doc::new();
        let mut ids = HashMap::new();
        let mut stack: Vec<NodeId> = vec![0];
        for edge in html.tree.root().traverse() {
            let top = stack.last().copied().unwrap_or(0);
            match edge {
                E::Open(n) => match n.value() {
                    scraper::Node::Element(el) => {
                        // Atoms and tendrils are shared, not copied.
                        let node = Node::Element(Element {
                            name: el.name.local.clone(),
                            attrs: el
                                .attrs
                                .iter()
                                .map(|(k, v)| (k.local.clone(), v.clone()))
                                .collect(),
                        });
                        let id = d.append(top, node);
                        if want_ids {
                            ids.insert(n.id(), id);
                        }
                        stack.push(id);
                    }
                    scraper::Node::Text(t) => {
                        d.append(top, Node::Text(t.text.clone()));
                    }
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
    fn slot(&self) -> &'a Slot {
        &self.doc.slots[self.id as usize]
    }

    fn at(&self, id: NodeId) -> Option<NodeRef<'a>> {
        (id != NONE).then_some(NodeRef { doc: self.doc, id })
    }

    pub fn id(&self) -> NodeId {
        self.id
    }

    pub fn value(&self) -> &'a Node {
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
