package llmstream

import "testing"

func TestClassifyOpenAIChunk(t *testing.T) {
	cases := []struct {
		data string
		want int
	}{
		{`[DONE]`, ChunkDone},
		{`{"choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]}`, 0},
		{`{"choices":[{"index":0,"delta":{"content":" lorem"},"logprobs":null,"finish_reason":null}]}`, ChunkToken},
		{`{"choices":[{"delta":{"reasoning_content":"think"}}]}`, ChunkToken | ChunkReasoning},
		{`{"choices":[{"delta":{"content":null,"reasoning":"r"}}]}`, ChunkToken | ChunkReasoning},
		{`{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]}`, ChunkToken | ChunkToolCall},
		{`{"choices":[{"delta":{"tool_calls":[]}}]}`, 0},
		{`{"choices":[{"text":" hi","finish_reason":null}]}`, ChunkToken},
		{`{"choices":[{"delta":{},"finish_reason":"length"}]}`, ChunkFinish},
		{`{"choices":[{"delta":{"content":"x"},"finish_reason":"stop"}]}`, ChunkToken | ChunkFinish},
		{`{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}`, ChunkUsage},
		{`{"choices":[{"delta":{"content":"x"}}],"usage":null}`, ChunkToken},
		{`{"error":{"message":"boom"}}`, ChunkError},
		{`{"choices": [`, ChunkMalformed},
		{`42`, ChunkMalformed},
		{`[1,2]`, ChunkMalformed},
		{`{"choices":"nope"}`, ChunkParseInJS},
	}
	for _, c := range cases {
		if got := ClassifyOpenAIChunk(c.data); got != c.want {
			t.Errorf("ClassifyOpenAIChunk(%s) = %b, want %b", c.data, got, c.want)
		}
	}
}

func BenchmarkClassifyOpenAIChunk(b *testing.B) {
	data := `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" lorem"},"logprobs":null,"finish_reason":null}]}`
	for i := 0; i < b.N; i++ {
		ClassifyOpenAIChunk(data)
	}
}
