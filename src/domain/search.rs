//! The search box's terms, turned into what the gram index can look up.
//!
//! Every ticket keeps its grams (`tickets.search_grams`, built in SQL by the
//! `search_grams` function of the `search` migration): for each run of CJK
//! characters every character and every pair of neighbours, for each run of
//! ASCII letters and digits every trigram, all lower-cased. A term can only be
//! part of a ticket's text if the term's grams are all among the ticket's, so
//! the index narrows the search cheaply and an ILIKE on the text makes it
//! exact. The rules here must stay those of that SQL function.

/// One word of the search box: the text to find (exactly, ignoring case) and
/// the grams any text holding it must have (empty: the index cannot help).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub grams: Vec<String>,
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

/// The fewest grams that pin a word down: a lone CJK character itself, longer
/// CJK runs by their bigrams (the characters are in those), Latin and digit
/// runs by their trigrams (shorter runs have none: only the recheck finds them).
pub fn grams(word: &str) -> Vec<String> {
    let lower: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut out: Vec<String> = Vec::new();
    for run in lower.chunk_by(|a, b| script(*a) == script(*b)) {
        let width = match script(run[0]) {
            None => continue,
            Some(Script::Cjk) => run.len().min(2),
            Some(Script::Latin) => 3,
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
    fn terms_are_the_words_of_the_query() {
        let t = terms("  华为  screen ");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0], Term { text: "华为".into(), grams: vec!["华为".into()] });
        assert_eq!(t[1].text, "screen");
        assert!(terms("   ").is_empty());
    }
}
