/**
 * Text for language models: corpus loading and normalisation ({@link dev.snn4j.text.TextCorpus}), a character-level
 * tokenizer with a stable saved vocabulary ({@link dev.snn4j.text.CharTokenizer}), BPE through DJL's Hugging Face
 * tokenizers ({@link dev.snn4j.text.BpeTokenizer}), and training windows / held-out split
 * ({@link dev.snn4j.text.TokenSplit}).
 */
package dev.snn4j.text;
