// What was thrown, as the sentence a person reads: an Error's message, or the
// thrown value itself as text (a library may throw a string). The helper, the
// recorder and the extension all say errors this one way.
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
