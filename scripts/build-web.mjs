// Placeholder until the web channel's UI lands: nothing to bundle yet.
