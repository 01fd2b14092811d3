//! Rate limits: a fixed window per key, in memory (per instance), and the progressive login
//! throttle, in the database (shared by every instance, per e-mail address).

use std::collections::HashMap;
use std::sync::Mutex;

/// What a limited action may do: at most `max` times per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window_secs: i64,
}

pub const LOGIN_PER_IP: Limit = Limit {
    max: 20,
    window_secs: 60,
};
pub const SIGN_UP_PER_IP: Limit = Limit {
    max: 10,
    window_secs: 3600,
};
pub const RESET_PER_IP: Limit = Limit {
    max: 10,
    window_secs: 3600,
};
pub const RESET_PER_EMAIL: Limit = Limit {
    max: 3,
    window_secs: 3600,
};
/// Contact-like forms: reports, claims, contact requests.
pub const CONTACT_PER_IP: Limit = Limit {
    max: 20,
    window_secs: 3600,
};
pub const API_PER_IP: Limit = Limit {
    max: 1200,
    window_secs: 60,
};

/// Failed logins tolerated before the progressive delay starts.
pub const LOGIN_FREE_FAILURES: i64 = 5;
/// Delay imposed after the free failures; it doubles with each further failure.
pub const LOGIN_FIRST_DELAY_SECS: i64 = 30;
/// Longest delay imposed between two login attempts on one address.
pub const LOGIN_MAX_DELAY_SECS: i64 = 15 * 60;

/// Seconds to wait before the next login attempt after `failures` failures, the last at `last`.
pub fn login_delay(failures: i64, last: i64, now: i64) -> Option<i64> {
    if failures < LOGIN_FREE_FAILURES {
        return None;
    }
    let exponent = (failures - LOGIN_FREE_FAILURES).min(20) as u32;
    let delay = LOGIN_FIRST_DELAY_SECS
        .saturating_mul(2i64.pow(exponent))
        .min(LOGIN_MAX_DELAY_SECS);
    let wait = last + delay - now;
    (wait > 0).then_some(wait)
}

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    /// Counts one use of `key`; `Err(retry_after_secs)` when over the limit.
    pub fn hit(&self, key: &str, limit: Limit, now: i64) -> Result<(), i64> {
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now - *start < 3600);
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now - entry.0 >= limit.window_secs {
            *entry = (now, 0);
        }
        if entry.1 >= limit.max {
            return Err((entry.0 + limit.window_secs - now).max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window() {
        let l = RateLimiter::default();
        let limit = Limit {
            max: 3,
            window_secs: 60,
        };
        for _ in 0..3 {
            assert_eq!(l.hit("ip:1", limit, 100), Ok(()));
        }
        assert_eq!(l.hit("ip:1", limit, 110), Err(50));
        assert_eq!(l.hit("ip:2", limit, 110), Ok(()), "keys are independent");
        assert_eq!(l.hit("ip:1", limit, 160), Ok(()), "a new window");
    }

    #[test]
    fn progressive_login_delay() {
        assert_eq!(login_delay(4, 100, 100), None);
        assert_eq!(login_delay(5, 100, 100), Some(30));
        assert_eq!(login_delay(5, 100, 120), Some(10));
        assert_eq!(login_delay(8, 100, 100), Some(240));
        assert_eq!(login_delay(8, 100, 340), None);
        assert_eq!(login_delay(40, 100, 100), Some(LOGIN_MAX_DELAY_SECS));
    }
}
