fn main() {
    // Only the addon needs Node's link setup; `cargo test` builds without it.
    if std::env::var_os("CARGO_FEATURE_NODE").is_some() {
        napi_build::setup();
    }
}
