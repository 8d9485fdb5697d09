//! The Node binding (napi-rs): JavaScript hands requests over and hears finished ones in
//! batches through a thread-safe function (core.rs's Options and Outcome cross as plain
//! objects). Times cross on CLOCK_MONOTONIC (`monotonicMs`), the clock of performance.now();
//! the TS side maps them with one offset per transport.

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ErrorStrategy, ThreadSafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, JsFunction};
use napi_derive::napi;

use crate::io::core::{Cmd, Core, Job, Options, Outcome};
use crate::io::sys::mono_ns;

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
    pub fn new(env: Env, options: Options, #[napi(ts_arg_type = "(batch: Outcome[]) => void")] on_results: JsFunction) -> Result<Self> {
        let mut tsfn: ThreadsafeFunction<Vec<Outcome>, ErrorStrategy::Fatal> =
            on_results.create_threadsafe_function(0, |ctx: ThreadSafeCallContext<Vec<Outcome>>| Ok(vec![ctx.value]))?;
        // The TS side keeps the process alive while requests are in flight; the I/O thread never does.
        tsfn.unref(&env)?;
        let core = Core::start(
            options,
            Box::new(move |batch| {
                tsfn.call(batch, ThreadsafeFunctionCallMode::NonBlocking);
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
