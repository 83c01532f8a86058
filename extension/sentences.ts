// A line written by the helper or the recorder ("copied ... into ...", a
// refusal's reason), made into a sentence for a notification: capitalised,
// and ended with a full stop where it has no ending of its own.

export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `text` with a full stop at its end, unless it ends with one, a question mark or an exclamation mark already. */
export function endSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
