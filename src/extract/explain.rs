//! `--explain`: every candidate with where it was found and why it won or
//! lost, in the words of the rules in the module doc of `extract`.

use super::{dom, Cand, Candidate, Loc, Reason, Tier};
use crate::price::CurrencyRule;

/// The candidates as `--explain` shows them; `chosen` is the winner's index,
/// `confirmed` whether the buy box confirmed it (`buybox` rule 1) on a page
/// whose buy box marks a sale.
pub(super) fn candidates(
    doc: &super::tree::Doc,
    cands: &[Cand],
    rules: &[Option<CurrencyRule>],
    chosen: Option<usize>,
    confirmed: bool,
) -> Vec<Candidate> {
    let confirmed = if confirmed {
        "; the buy box shows it as the sale price"
    } else {
        ""
    };
    let winner = chosen.map(|i| &cands[i]);
    let winner_over = cands.iter().find(|c| {
        matches!(
            c.veto,
            Some(Reason::StructuredIsRegular | Reason::StructuredNotSold | Reason::StructuredIsNet)
        )
    });
    cands
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let is_chosen = chosen == Some(i);
            let reason = if let Some(v) = c.veto {
                v.to_string()
            } else if is_chosen {
                match c.tier {
                    Tier::Selector => "chosen: first --selector match with an amount".to_owned(),
                    Tier::MainProduct => {
                        format!("chosen: {} price of the main product{confirmed}", c.source)
                    }
                    Tier::Meta => format!("chosen: product price meta tag{confirmed}"),
                    Tier::Orphan => {
                        format!("chosen: {} offer (no product attached)", c.source)
                    }
                    Tier::State => "chosen: the shop platform's inline product state".to_owned(),
                    Tier::Heuristic => match winner_over {
                        Some(s) => format!(
                            "chosen: buy-box price (score {}) over the structured price {}",
                            -c.rank,
                            s.amount.map(|a| a.to_string()).unwrap_or_default()
                        ),
                        None => format!("chosen: highest score {}", -c.rank),
                    },
                }
            } else {
                match winner {
                    Some(w)
                        if w.tier == c.tier
                            && w.source == c.source
                            && c.tier == Tier::Heuristic =>
                    {
                        format!("score {} lower than chosen {}", -c.rank, -w.rank)
                    }
                    Some(w) if w.tier == c.tier && w.source == c.source => {
                        "later offer of the same source".to_owned()
                    }
                    Some(w) => format!("lower priority than {}", w.source),
                    None => "not chosen".to_owned(),
                }
            };
            Candidate {
                source: c.source,
                amount: c.amount,
                currency: c.currency.map(str::to_owned),
                currency_rule: rules.get(i).copied().flatten(),
                text: c.text.clone(),
                location: match &c.loc {
                    Loc::None => String::new(),
                    Loc::Text(s) => s.clone(),
                    Loc::Node(id) => dom::css_path(doc, *id),
                },
                reason,
                chosen: is_chosen,
            }
        })
        .collect()
}
