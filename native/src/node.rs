//! The Node binding (napi-rs): JavaScript hands requests over and hears finished ones in
//! batches through a thread-safe function. Times cross as CLOCK_MONOTONIC ms (`monotonicMs`),
//! the clock of performance.now(); the TS side maps them with one offset per run.

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ErrorStrategy, ThreadSafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, JsFunction};
use napi_derive::napi;

use crate::io::core::{Cmd, Core, Job, Options, Outcome};
use crate::io::sys::mono_ns;

#[napi(object)]
pub struct IoOptions {
    pub connect_ms: f64,
    pub first_byte_ms: f64,
    pub idle_ms: f64,
    pub total_ms: f64,
    pub keep_alive_ms: f64,
    pub reuse: bool,
}

/// A finished request (src/openai/outcome.ts's Exchange, times in ms since `startMonoMs`).
#[napi(object)]
pub struct NativeOutcome {
    pub id: u32,
    pub status: u32,
    pub start_mono_ms: f64,
    pub connect_ms: f64,
    pub headers_ms: f64,
    pub times: Vec<f64>,
    pub data: Vec<String>,
    pub kinds: Vec<u32>,
    pub invalid: Vec<String>,
    pub tail: String,
    pub end_ms: f64,
    pub body: String,
    pub error: String,
    pub error_kind: String,
    pub streamed: bool,
}

fn to_js(o: Outcome) -> NativeOutcome {
    NativeOutcome {
        id: o.id,
        status: o.status as u32,
        start_mono_ms: o.start_ns as f64 / 1e6,
        connect_ms: o.connect_ms,
        headers_ms: o.headers_ms,
        times: o.times_ms,
        data: o.data,
        kinds: o.kinds,
        invalid: o.invalid,
        tail: o.tail,
        end_ms: o.end_ms,
        body: o.body,
        error: o.error,
        error_kind: o.error_kind,
        streamed: o.streamed,
    }
}

/// CLOCK_MONOTONIC in ms.
#[napi]
pub fn monotonic_ms() -> f64 {
    mono_ns() as f64 / 1e6
}

#[napi]
pub struct NativeIo {
    core: Option<Core>,
}

#[napi]
impl NativeIo {
    #[napi(constructor)]
    pub fn new(env: Env, options: IoOptions, #[napi(ts_arg_type = "(batch: NativeOutcome[]) => void")] on_results: JsFunction) -> Result<Self> {
        let mut tsfn: ThreadsafeFunction<Vec<NativeOutcome>, ErrorStrategy::Fatal> =
            on_results.create_threadsafe_function(0, |ctx: ThreadSafeCallContext<Vec<NativeOutcome>>| Ok(vec![ctx.value]))?;
        // The TS side keeps the process alive while requests are in flight; the I/O thread never does.
        tsfn.unref(&env)?;
        let o = Options {
            connect_ms: options.connect_ms,
            first_byte_ms: options.first_byte_ms,
            idle_ms: options.idle_ms,
            total_ms: options.total_ms,
            keep_alive_ms: options.keep_alive_ms,
            reuse: options.reuse,
        };
        let core = Core::start(
            o,
            Box::new(move |batch| {
                tsfn.call(batch.into_iter().map(to_js).collect(), ThreadsafeFunctionCallMode::NonBlocking);
            }),
        )
        .map_err(|e| Error::from_reason(format!("native I/O thread: {e}")))?;
        Ok(NativeIo { core: Some(core) })
    }

    /// Hands a request over: its bytes (head and body) are written at `dueMonoMs`.
    #[napi]
    pub fn send(&self, id: u32, origin: String, bytes: Buffer, due_mono_ms: f64, keep_events: bool) {
        if let Some(c) = &self.core {
            let job = Job { id, origin, bytes: bytes.to_vec(), due_ns: (due_mono_ms * 1e6) as i64, keep_events };
            c.cmd(Cmd::Send(job));
        }
    }

    /// Opens connections to `origin` until `n` are free or opening.
    #[napi]
    pub fn reserve(&self, origin: String, n: u32) {
        if let Some(c) = &self.core {
            c.cmd(Cmd::Reserve(origin, n));
        }
    }

    #[napi]
    pub fn abort(&self, id: u32) {
        if let Some(c) = &self.core {
            c.cmd(Cmd::Abort(id));
        }
    }

    #[napi]
    pub fn abort_all(&self) {
        if let Some(c) = &self.core {
            c.cmd(Cmd::AbortAll);
        }
    }

    /// Closes every connection (requests in flight fail) and ends the I/O thread.
    #[napi]
    pub fn close(&mut self) {
        if let Some(mut c) = self.core.take() {
            c.close();
        }
    }
}
