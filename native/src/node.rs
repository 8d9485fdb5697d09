//! The Node binding (napi-rs): JavaScript hands requests over and hears finished ones in
//! batches through a thread-safe function. Options cross as a plain object; a batch of
//! outcomes crosses as columns (typed arrays, one per field, events of all requests end to
//! end), built on the I/O thread: an object per outcome with a property per field cost the JS
//! thread ~20 us per request in property stores. Times cross on CLOCK_MONOTONIC
//! (`monotonicMs`), the clock of performance.now(); the TS side maps them with one offset per
//! transport.

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ErrorStrategy, ThreadSafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, JsFunction};
use napi_derive::napi;

use crate::io::core::{Cmd, Core, Job, Options, Outcome};
use crate::io::sys::mono_ns;

/// Finished requests, field by field: request i's events are `events_end[i-1]..events_end[i]`
/// of `times_ms` and `kinds`, its kept payloads `kept_end[i-1]..kept_end[i]` of `kept` (event
/// indices within the request) and `data`.
#[napi(object)]
pub struct Batch {
    pub id: Uint32Array,
    pub status: Uint32Array,
    pub start_ns: Float64Array,
    pub connect_ms: Float64Array,
    pub headers_ms: Float64Array,
    pub end_ms: Float64Array,
    pub streamed: Uint8Array,
    pub events_end: Uint32Array,
    pub times_ms: Float64Array,
    pub kinds: Uint32Array,
    pub kept_end: Uint32Array,
    pub kept: Uint32Array,
    pub data: Vec<String>,
    /// The requests with a body, a failure, invalid lines or a cut tail (few), by index.
    pub rare: Vec<Rare>,
}

#[napi(object)]
pub struct Rare {
    pub index: u32,
    pub body: String,
    pub error: String,
    pub error_kind: String,
    pub tail: String,
    pub invalid: Vec<String>,
}

impl Batch {
    fn of(outcomes: Vec<Outcome>) -> Batch {
        let n = outcomes.len();
        let events: usize = outcomes.iter().map(|o| o.times_ms.len()).sum();
        let (mut id, mut status, mut start_ns, mut connect_ms, mut headers_ms, mut end_ms, mut streamed, mut events_end, mut kept_end) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut times_ms, mut kinds) = (Vec::with_capacity(events), Vec::with_capacity(events));
        let (mut kept, mut data, mut rare) = (Vec::new(), Vec::new(), Vec::new());
        for (i, o) in outcomes.into_iter().enumerate() {
            id.push(o.id);
            status.push(o.status);
            start_ns.push(o.start_ns as f64);
            connect_ms.push(o.connect_ms);
            headers_ms.push(o.headers_ms);
            end_ms.push(o.end_ms);
            streamed.push(o.streamed as u8);
            // One kind per event (the core records both together), so both columns share events_end.
            kinds.extend(o.kinds);
            times_ms.extend(o.times_ms);
            events_end.push(times_ms.len() as u32);
            kept.extend(o.kept);
            data.extend(o.data);
            kept_end.push(kept.len() as u32);
            if !o.body.is_empty() || !o.error.is_empty() || !o.error_kind.is_empty() || !o.tail.is_empty() || !o.invalid.is_empty() {
                rare.push(Rare { index: i as u32, body: o.body, error: o.error, error_kind: o.error_kind, tail: o.tail, invalid: o.invalid });
            }
        }
        Batch {
            id: id.into(),
            status: status.into(),
            start_ns: start_ns.into(),
            connect_ms: connect_ms.into(),
            headers_ms: headers_ms.into(),
            end_ms: end_ms.into(),
            streamed: streamed.into(),
            events_end: events_end.into(),
            times_ms: times_ms.into(),
            kinds: kinds.into(),
            kept_end: kept_end.into(),
            kept: kept.into(),
            data,
            rare,
        }
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
    pub fn new(env: Env, options: Options, #[napi(ts_arg_type = "(batch: Batch) => void")] on_results: JsFunction) -> Result<Self> {
        let mut tsfn: ThreadsafeFunction<Batch, ErrorStrategy::Fatal> =
            on_results.create_threadsafe_function(0, |ctx: ThreadSafeCallContext<Batch>| Ok(vec![ctx.value]))?;
        // The TS side keeps the process alive while requests are in flight; the I/O thread never does.
        tsfn.unref(&env)?;
        let core = Core::start(
            options,
            Box::new(move |batch| {
                tsfn.call(Batch::of(batch), ThreadsafeFunctionCallMode::NonBlocking);
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
