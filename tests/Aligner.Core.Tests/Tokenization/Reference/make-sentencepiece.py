#!/usr/bin/python3
"""Trains two tiny SentencePiece BPE models and records SentencePiece's own ids for the corpus.

Run with Debian's python3-sentencepiece: /usr/bin/python3 make-sentencepiece.py (from this folder).
Writes ../../TestData/Tokenizers/<name>/tokenizer.model and <name>-reference.json next to corpus.json.
"""
import io
import json
import os
import sentencepiece as spm

corpus = json.load(open("corpus.json", encoding="utf-8"))
paragraphs = [
    "Aligner learns to correct the answers of a stronger model. It copies good answers and edits the rest.",
    "The quick brown fox jumps over the lazy dog. The lazy dog sleeps in the sun all afternoon.",
    "def correct(question, answer):\n    return aligner.generate(question, answer)\n",
    "Residual correction is easier than generation from scratch, so a small model suffices.",
    "Numbers like 1234, 3.14 and 2024-01-15 appear in many answers; so do URLs such as https://example.com.",
    "Привет, мир! Bonjour le monde. Hallo Welt. こんにちは世界。你好，世界。",
]
training = paragraphs * 40
models = {
    "spm-bpe-llama": dict(remove_extra_whitespaces=False),
    "spm-bpe-collapse-spaces": dict(remove_extra_whitespaces=True),
}
root = os.path.join("..", "..", "TestData", "Tokenizers")
for name, options in models.items():
    stream = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(training), model_writer=stream, model_type="bpe", vocab_size=400,
        byte_fallback=True, normalization_rule_name="identity", add_dummy_prefix=True,
        character_coverage=0.999, bos_id=1, eos_id=2, unk_id=0, pad_id=-1,
        user_defined_symbols=["<sep>"], minloglevel=2, **options)
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "tokenizer.model"), "wb") as f:
        f.write(stream.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=stream.getvalue())
    reference = {
        "generator": "python3-sentencepiece " + spm.__version__,
        "ids": [sp.encode(s) for s in corpus],
        "decoded": [sp.decode(sp.encode(s)) for s in corpus],
    }
    with open(name + "-reference.json", "w", encoding="utf-8") as f:
        text = json.dumps(reference, ensure_ascii=True, separators=(",", ":"))
        f.write(text.replace("],[", "],\n[") + "\n")
    print(name, sp.get_piece_size(), "pieces")
