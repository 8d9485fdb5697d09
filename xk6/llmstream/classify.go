package llmstream

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// ClassifyEvents sets r.Kinds from r.Data (OpenAI-compatible chunks).
func ClassifyEvents(r *Result) {
	r.Kinds = make([]int, len(r.Data))
	for i, d := range r.Data {
		r.Kinds[i] = ClassifyOpenAIChunk(d)
	}
}

// Chunk kinds for OpenAI-compatible streams (params.classify = "openai"), bit flags per SSE
// event. Parsing each chunk's JSON in k6's JavaScript interpreter costs ~20 µs, the harness's
// main CPU cost at high token rates; Go does it in ~2 µs, so the JS side reads these flags and
// parses only the few events that need more (usage, finish reason, errors).
const (
	ChunkToken     = 1 << iota // carries a generated token: content, reasoning or a tool-call fragment
	ChunkReasoning             // ... as reasoning_content / reasoning
	ChunkToolCall              // ... as tool_calls
	ChunkFinish                // has a finish_reason
	ChunkUsage                 // has a usage object
	ChunkError                 // has an error object
	ChunkMalformed             // not a JSON object
	ChunkDone                  // the [DONE] sentinel
	ChunkParseInJS             // valid JSON of an unexpected shape: let the JS parser decide
)

type openAIChunk struct {
	Choices []struct {
		Delta *struct {
			Content          *string           `json:"content"`
			ReasoningContent *string           `json:"reasoning_content"`
			Reasoning        *string           `json:"reasoning"`
			ToolCalls        []json.RawMessage `json:"tool_calls"`
		} `json:"delta"`
		Text         *string `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage json.RawMessage `json:"usage"`
	Error json.RawMessage `json:"error"`
}

func nonEmpty(s *string) bool { return s != nil && *s != "" }

func present(m json.RawMessage) bool { return len(m) > 0 && string(m) != "null" }

// ClassifyOpenAIChunk returns the kind flags of one event's data, with the same meaning as the
// JS parser in src/openai/stream.ts (only choices[0] counts).
func ClassifyOpenAIChunk(data string) int {
	if data == "[DONE]" {
		return ChunkDone
	}
	if !strings.HasPrefix(strings.TrimLeft(data, " \t\r\n"), "{") {
		return ChunkMalformed
	}
	var c openAIChunk
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ChunkMalformed
		}
		return ChunkParseInJS
	}
	kind := 0
	if present(c.Error) {
		kind |= ChunkError
	}
	if present(c.Usage) {
		kind |= ChunkUsage
	}
	if len(c.Choices) == 0 {
		return kind
	}
	ch := c.Choices[0]
	if d := ch.Delta; d != nil {
		if nonEmpty(d.Content) {
			kind |= ChunkToken
		}
		if nonEmpty(d.ReasoningContent) || nonEmpty(d.Reasoning) {
			kind |= ChunkToken | ChunkReasoning
		}
		if len(d.ToolCalls) > 0 {
			kind |= ChunkToken | ChunkToolCall
		}
	}
	if nonEmpty(ch.Text) {
		kind |= ChunkToken
	}
	if ch.FinishReason != nil {
		kind |= ChunkFinish
	}
	return kind
}
