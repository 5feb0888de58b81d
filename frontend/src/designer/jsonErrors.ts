/** JSON parse errors with a line and column a form designer can find. */

export type JsonResult =
  | { ok: true; value: unknown }
  | { ok: false; message: string; line: number; column: number }

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)))
  const lines = before.split('\n')
  return { line: lines.length, column: lines[lines.length - 1].length + 1 }
}

/**
 * Parses `text`; on failure finds where from the engine's message: V8 says "at position N"
 * (newer versions also "(line L column C)"), Firefox "at line L column C". A message without
 * either (e.g. "Unexpected end of JSON input") points at the end of the text.
 */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error)
    const lineCol = raw.match(/line (\d+) column (\d+)/)
    const position = raw.match(/at position (\d+)/)
    let where: { line: number; column: number }
    if (lineCol) where = { line: Number(lineCol[1]), column: Number(lineCol[2]) }
    // An error at the very end (an unfinished file) is shown on the last line with text.
    else if (position) where = lineColumn(text, Math.min(Number(position[1]), text.trimEnd().length))
    else where = lineColumn(text, text.trimEnd().length)
    const message = raw
      .replace(/^JSON\.parse: /, '')
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/ at line \d+ column \d+ of the JSON data/, '')
      .replace(/,? ?"[^"]*"\.{3} is not valid JSON/, '')
      .trim()
    return { ok: false, message: message || raw, ...where }
  }
}

/** A form file must hold a JSON object. */
export function parseFormFile(text: string): JsonResult {
  const result = parseJson(text)
  if (result.ok && (typeof result.value !== 'object' || result.value === null || Array.isArray(result.value))) {
    return { ok: false, message: '须为 JSON 对象 / Must be a JSON object', line: 1, column: 1 }
  }
  return result
}

/**
 * The schema without its `$schema` declaration: the shipped forms declare draft 2020-12, which
 * the browser-side validator does not load (it warns); the keywords they use are the same.
 */
export function stripMetaSchema<T extends Record<string, unknown> | undefined>(schema: T): T {
  if (!schema || !('$schema' in schema)) return schema
  const { $schema: _ignored, ...rest } = schema
  return rest as T
}
