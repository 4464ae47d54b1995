//! C2SP tlog-tiles (placeholder: being written).
