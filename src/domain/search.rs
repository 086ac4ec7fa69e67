//! The search box's terms, turned into what the gram index can look up.
//!
//! Every ticket keeps its grams (`tickets.search_grams`, written with the
//! ticket by the store from `document_grams`): for each run of CJK characters
//! every character and every pair of neighbours, for each run of ASCII letters
//! and digits every trigram, all lower-cased. A term can only be part of a
//! ticket's text if the term's grams are all among the ticket's, so the index
//! narrows the search cheaply and an ILIKE on the text makes it exact. Terms
//! and documents are cut by the same `runs`, so the two always agree.

/// One word of the search box: the text to find (exactly, ignoring case) and
/// the grams any text holding it must have (empty: the index cannot help).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub grams: Vec<String>,
}

/// How a ticket's text must be checked once the index has found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recheck {
    /// The grams say it all: a word of one or two CJK characters, or of three
    /// ASCII letters or digits, is its own gram, and a text holds that gram
    /// exactly when it holds the word.
    None,
    /// Compare as is: the word has no letters with case (CJK, digits, marks).
    Exact,
    /// Compare ignoring case.
    IgnoringCase,
}

impl Term {
    pub fn recheck(&self) -> Recheck {
        let mut runs = runs(&self.text);
        let whole_word_is_one_gram = match (runs.next(), runs.next()) {
            (Some((script, run)), None) => {
                run.len() == self.text.chars().count()
                    && match script {
                        Script::Cjk => run.len() <= 2,
                        Script::Latin => run.len() == 3,
                    }
            }
            _ => false,
        };
        if whole_word_is_one_gram {
            Recheck::None
        } else if self.text.chars().any(|c| c.to_lowercase().ne(c.to_uppercase())) {
            Recheck::IgnoringCase
        } else {
            Recheck::Exact
        }
    }
}

/// The search box's words; a ticket matches when it holds every one.
pub fn terms(query: &str) -> Vec<Term> {
    query.split_whitespace().map(|word| Term { text: word.to_owned(), grams: grams(word) }).collect()
}

/// Ideographs, kana and hangul: written without spaces, so searched by
/// characters and bigrams rather than words. The ranges of the SQL function.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{2e80}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Cjk,
    Latin,
}

fn script(c: char) -> Option<Script> {
    if is_cjk(c) {
        Some(Script::Cjk)
    } else if c.is_ascii_alphanumeric() {
        Some(Script::Latin)
    } else {
        None
    }
}

/// The runs of one script in `text`, lower-cased (ASCII only: other letters
/// are no script of ours and split runs).
fn runs(text: &str) -> impl Iterator<Item = (Script, Vec<char>)> {
    let lower: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    let runs: Vec<(Script, Vec<char>)> = lower
        .chunk_by(|a, b| script(*a) == script(*b))
        .filter_map(|run| script(run[0]).map(|s| (s, run.to_vec())))
        .collect();
    runs.into_iter()
}

/// The fewest grams that pin a word down: a lone CJK character itself, longer
/// CJK runs by their bigrams (the characters are in those), Latin and digit
/// runs by their trigrams (shorter runs have none: only the recheck finds them).
pub fn grams(word: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (script, run) in runs(word) {
        let width = match script {
            Script::Cjk => run.len().min(2),
            Script::Latin => 3,
        };
        for gram in run.windows(width) {
            let gram: String = gram.iter().collect();
            if !out.contains(&gram) {
                out.push(gram);
            }
        }
    }
    out
}

/// Every gram of a ticket's searchable fields, sorted and each once: every CJK
/// character and bigram, every Latin/digit trigram. A superset of the grams of
/// any word the fields contain, which is what lets the index find them.
pub fn document_grams(fields: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (script, run) in fields.iter().flat_map(|field| runs(field)) {
        match script {
            Script::Cjk => {
                out.extend(run.iter().map(|c| c.to_string()));
                out.extend(run.windows(2).map(|pair| pair.iter().collect::<String>()));
            }
            Script::Latin => out.extend(run.windows(3).map(|three| three.iter().collect::<String>())),
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(word: &str) -> Vec<String> {
        grams(word)
    }

    #[test]
    fn a_lone_chinese_character_is_its_own_gram() {
        assert_eq!(g("机"), ["机"]);
    }

    #[test]
    fn longer_chinese_terms_are_their_bigrams() {
        assert_eq!(g("手机"), ["手机"]);
        assert_eq!(g("屏幕碎裂"), ["屏幕", "幕碎", "碎裂"]);
        assert_eq!(g("哈哈哈"), ["哈哈"], "each gram once");
    }

    #[test]
    fn latin_and_digits_are_lower_cased_trigrams() {
        assert_eq!(g("Screen"), ["scr", "cre", "ree", "een"]);
        assert_eq!(g("5678"), ["567", "678"]);
        assert!(g("5g").is_empty(), "too short for a trigram: found by the recheck alone");
    }

    #[test]
    fn scripts_and_punctuation_split_runs() {
        assert_eq!(g("华为P40"), ["华为", "p40"]);
        assert_eq!(
            g("AS20261123-000042"),
            ["as2", "s20", "202", "026", "261", "611", "112", "123", "000", "004", "042"]
        );
        assert!(g("-_%").is_empty());
    }

    #[test]
    fn accented_letters_separate_like_the_sql_function() {
        assert_eq!(g("Café"), ["caf"]);
    }

    #[test]
    fn a_document_holds_every_character_bigram_and_trigram_once() {
        let mut expected =
            ["洗", "衣", "机", "漏", "水", "洗衣", "衣机", "机漏", "漏水", "lea", "eak", "aks"].map(String::from);
        expected.sort_unstable();
        assert_eq!(document_grams(&["洗衣机漏水", "Leaks 5g", "漏水"]), expected);
        assert!(document_grams(&["", "-_%", "5g"]).is_empty());
    }

    proptest::proptest! {
        /// What the index relies on: a word found in the text has all its grams among the text's.
        #[test]
        fn every_word_of_a_text_is_covered_by_its_grams(
            before in "[a-zA-Z0-9 洗衣机漏水屏幕华为-]{0,12}",
            word in "[a-zA-Z0-9洗衣机漏水屏幕华为]{1,6}",
            after in "[a-zA-Z0-9 洗衣机漏水屏幕华为-]{0,12}",
        ) {
            let text = format!("{before}{word}{after}");
            let all = document_grams(&[&text, "other field"]);
            for gram in grams(&word) {
                proptest::prop_assert!(all.binary_search(&gram).is_ok(), "{gram} of {word} missing in {text}");
            }
        }
    }

    #[test]
    fn only_words_the_grams_cannot_pin_down_are_checked_in_the_text() {
        let recheck = |word: &str| terms(word)[0].recheck();
        assert_eq!(recheck("漏"), Recheck::None);
        assert_eq!(recheck("漏水"), Recheck::None);
        assert_eq!(recheck("Abc"), Recheck::None);
        assert_eq!(recheck("123"), Recheck::None);
        assert_eq!(recheck("洗衣机"), Recheck::Exact, "two bigrams may sit apart");
        assert_eq!(recheck("13800"), Recheck::Exact);
        assert_eq!(recheck("leaks"), Recheck::IgnoringCase);
        assert_eq!(recheck("5g"), Recheck::IgnoringCase, "no gram at all");
        assert_eq!(recheck("P40手机"), Recheck::IgnoringCase);
        assert_eq!(recheck("a-b"), Recheck::IgnoringCase, "punctuation is in no gram");
        assert_eq!(recheck("Ωmega"), Recheck::IgnoringCase);
    }

    #[test]
    fn terms_are_the_words_of_the_query() {
        let t = terms("  华为  screen ");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0], Term { text: "华为".into(), grams: vec!["华为".into()] });
        assert_eq!(t[1].text, "screen");
        assert!(terms("   ").is_empty());
    }
}
