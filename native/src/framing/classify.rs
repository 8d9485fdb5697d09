//! Classifying an OpenAI-compatible stream chunk without parsing its JSON, with the same
//! result as src/openai/classify.ts (the kinds of src/openai/chunk-kinds.ts). A plain token
//! chunk is recognised by its keys in the raw text: in JSON text an unescaped quote occurs only
//! at string boundaries, so `"key":` matches real keys only. Anything that does not look like a
//! plain chunk is marked for the JS parser, so the outcome is always the same as parsing.

pub const TOKEN: u32 = 1;
pub const REASONING: u32 = 2;
pub const MALFORMED: u32 = 64;
pub const DONE: u32 = 128;
pub const PARSE_IN_JS: u32 = 256;
/// Kinds whose data JavaScript must read (finish, usage, error, parseInJs).
pub const NEEDS_JS_PARSE: u32 = 8 | 16 | 32 | PARSE_IN_JS;

/// Keys carrying generated text, in the order the JS regex tries them at one position.
const TOKEN_KEYS: [(&[u8], u32); 4] =
    [(b"\"content\":\"", TOKEN), (b"\"reasoning_content\":\"", TOKEN | REASONING), (b"\"reasoning\":\"", TOKEN | REASONING), (b"\"text\":\"", TOKEN)];

/// Kind flags of one SSE event's data.
pub fn classify(data: &str) -> u32 {
    if data == "[DONE]" {
        return DONE;
    }
    let b = data.as_bytes();
    if b.len() < 2 || b[0] != b'{' {
        return if data.trim_start().starts_with('{') { PARSE_IN_JS } else { MALFORMED };
    }
    if !ends_complete(b) || not_plain(b) {
        return PARSE_IN_JS;
    }
    token_kind(b)
}

/// The first key carrying a non-empty string of generated text decides the kind (0: none).
fn token_kind(b: &[u8]) -> u32 {
    for i in quotes(b) {
        for (key, kind) in TOKEN_KEYS {
            if b[i..].starts_with(key) && b.get(i + key.len()) != Some(&b'"') {
                return kind;
            }
        }
    }
    0
}

/// Keys that make a chunk more than a plain token: errors, usage, tool calls, finish, other
/// choices. One pass over the quotes (every key starts with one): this runs once per token.
fn not_plain(b: &[u8]) -> bool {
    let fails = |r: &[u8], key: &[u8], ok: &dyn Fn(&[u8]) -> bool| r.strip_prefix(key).is_some_and(|rest| !ok(rest));
    quotes(b).any(|i| {
        let r = &b[i..];
        r.starts_with(b"\"error\":")
            || fails(r, b"\"usage\":", &|r| r.starts_with(b"null"))
            || fails(r, b"\"tool_calls\":", &|r| r.starts_with(b"null") || r.starts_with(b"[]"))
            || fails(r, b"\"finish_reason\":", &|r| r.starts_with(b"null"))
            || fails(r, b"\"index\":", &|r| !matches!(r.first(), Some(b'1'..=b'9')))
    })
}

/// Offsets of every '"' in `b`.
fn quotes(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    b.iter().enumerate().filter(|(_, &c)| c == b'"').map(|(i, _)| i)
}

/// The chunk ends as a whole object does. A stream cut inside an event cannot end like this
/// unless the object is complete, so a truncated chunk always goes to the JS path (and is
/// reported as malformed there). Accepted endings:
/// - `"finish_reason":null` then any `,"key":null`, then `}]`, then any `,"key":null`, then `}`:
///   vLLM (`"finish_reason":null}]}`, `…null,"token_ids":null}],"kv_transfer_params":null}`,
///   role chunks ending `"prompt_token_ids":null,"prompt_text":null}`), SGLang
///   (`"finish_reason":null,"matched_stop":null}]}`), the simulator (`…}],"usage":null}`);
/// - `"object":"chat.completion.chunk"}` or `"object":"text_completion"}` (llama.cpp).
fn ends_complete(b: &[u8]) -> bool {
    if b.ends_with(b"\"object\":\"chat.completion.chunk\"}") || b.ends_with(b"\"object\":\"text_completion\"}") {
        return true;
    }
    let Some(mut rest) = b.strip_suffix(b"}") else { return false };
    rest = strip_null_members(rest);
    let Some(r) = rest.strip_suffix(b"}]") else { return false };
    let r = strip_null_members(r);
    r.ends_with(b"\"finish_reason\":null")
}

/// Strips trailing `,"key":null` members (keys of letters, digits and '_').
fn strip_null_members(mut b: &[u8]) -> &[u8] {
    while let Some(r) = b.strip_suffix(b":null") {
        let Some(r) = r.strip_suffix(b"\"") else { break };
        let start = r.iter().rposition(|&c| !(c.is_ascii_alphanumeric() || c == b'_'));
        let Some(q) = start else { break };
        if r[q] != b'"' || q == r.len() - 1 || q == 0 || r[q - 1] != b',' {
            break;
        }
        // A key named finish_reason is what the caller looks for: keep it.
        if &r[q + 1..] == b"finish_reason" {
            break;
        }
        b = &r[..q - 1];
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(delta: &str, extra: &str) -> String {
        format!("{{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\"finish_reason\":null}}]{extra}}}")
    }

    #[test]
    fn plain_tokens() {
        assert_eq!(classify(&chunk(r#"{"content":"Hello"}"#, "")), TOKEN);
        assert_eq!(classify(&chunk(r#"{"reasoning_content":"r"}"#, "")), TOKEN | REASONING);
        assert_eq!(classify(&chunk(r#"{"reasoning":"r"}"#, "")), TOKEN | REASONING);
        assert_eq!(classify(&chunk(r#"{"content":"tok"}"#, r#","usage":null"#)), TOKEN);
        assert_eq!(classify(&chunk(r#"{"role":"assistant","content":""}"#, "")), 0);
        assert_eq!(classify(&chunk(r#"{"content":"x","tool_calls":[]}"#, "")), TOKEN);
        assert_eq!(classify(&chunk(r#"{"content":"a \"error\": inside"}"#, "")), TOKEN);
        assert_eq!(classify(r#"{"choices":[{"index":0,"text":"completion token","finish_reason":null}]}"#), TOKEN);
        assert_eq!(classify(r#"{"choices":[{"index":0,"delta":{"content":"t"}}],"object":"chat.completion.chunk"}"#), TOKEN);
    }

    #[test]
    fn vllm_and_sglang_tails() {
        let vllm = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":null,"token_ids":null}],"kv_transfer_params":null}"#;
        assert_eq!(classify(vllm), TOKEN);
        let vllm_role = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"prompt_token_ids":null,"prompt_text":null}"#;
        assert_eq!(classify(vllm_role), 0);
        let sglang = r#"{"id":"1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"reasoning_content":null,"content":"tok","role":null,"tool_calls":null},"logprobs":null,"finish_reason":null,"matched_stop":null}],"usage":null}"#;
        assert_eq!(classify(sglang), TOKEN);
        let sglang2 = r#"{"id":"1","choices":[{"index":0,"delta":{"reasoning_content":null,"content":"tok"},"finish_reason":null,"matched_stop":null}]}"#;
        assert_eq!(classify(sglang2), TOKEN);
    }

    #[test]
    fn more_than_a_token_goes_to_js() {
        for s in [
            chunk("{}", r#","usage":{"prompt_tokens":5,"completion_tokens":2}"#),
            r#"{"choices":[{"index":0,"delta":{"content":"end"},"finish_reason":"stop"}]}"#.to_string(),
            r#"{"error":{"message":"boom","code":500}}"#.to_string(),
            r#"{"choices":[{"index":1,"delta":{"content":"second"},"finish_reason":null}]}"#.to_string(),
            chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}"#, ""),
            r#"{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null,"matched_stop":"</s>"}]}"#.to_string(),
        ] {
            assert_eq!(classify(&s) & PARSE_IN_JS, PARSE_IN_JS, "{s}");
        }
        assert_eq!(classify("[DONE]"), DONE);
        assert_eq!(classify("not json"), MALFORMED);
        assert_eq!(classify(" {\"a\":1}"), PARSE_IN_JS);
    }

    #[test]
    fn every_prefix_of_a_chunk_goes_to_js() {
        let whole = r#"{"id":"c","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null,"token_ids":null}],"kv_transfer_params":null}"#;
        assert_eq!(classify(whole), TOKEN);
        for n in 1..whole.len() {
            let k = classify(&whole[..n]);
            assert!(k == PARSE_IN_JS || k == MALFORMED, "prefix {n}: {k}");
        }
    }
}
