//! Rate limits per client address (token buckets from `governor`): joining sessions, following
//! join codes, signing in. Limits per participant and per connection live with the live engine.
//!
//! Addresses are keyed as the server sees them (IPv6 by its /64, which one household or phone
//! usually holds). Behind a reverse proxy every client shares the proxy's address: run Plenary
//! where it sees clients directly, or raise these limits.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::AppError;
use crate::config::LimitSettings;

/// The client's address, as the connection shows it (unspecified when the router is driven
/// without a socket, as in router tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip()),
        ))
    }
}

impl ClientAddress {
    /// The key limits count under: the address, or its /64 for IPv6.
    pub fn key(self) -> IpAddr {
        match self.0 {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
        }
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

/// The per-address buckets.
pub struct RateLimits {
    /// Joins of live sessions: a classroom behind one address joins together, so the burst is
    /// generous, but a script minting handles is stopped.
    pub join: DefaultKeyedRateLimiter<IpAddr>,
    /// Join-code lookups: codes are short, so guesses must be slow.
    pub join_code: DefaultKeyedRateLimiter<IpAddr>,
    /// Sign-in attempts.
    pub login: DefaultKeyedRateLimiter<IpAddr>,
    /// Questions from all participants behind one address.
    pub ask: DefaultKeyedRateLimiter<IpAddr>,
    /// Reports of questions.
    pub report: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimits {
    /// Buckets sized from the configuration.
    pub fn new(settings: &LimitSettings) -> RateLimits {
        RateLimits {
            join: RateLimiter::keyed(per_minute(settings.joins_per_minute_per_address)),
            join_code: RateLimiter::keyed(per_minute(
                settings.join_code_lookups_per_minute_per_address,
            )),
            login: RateLimiter::keyed(per_minute(settings.logins_per_minute_per_address)),
            ask: RateLimiter::keyed(per_minute(settings.questions_per_minute_per_address)),
            report: RateLimiter::keyed(per_minute(settings.reports_per_minute_per_address)),
        }
    }

    /// Takes a token for `address` from `limiter`, or says how long to wait.
    pub fn check(
        limiter: &DefaultKeyedRateLimiter<IpAddr>,
        address: ClientAddress,
    ) -> Result<(), AppError> {
        limiter.check_key(&address.key()).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            AppError::TooManyRequests {
                retry_after_seconds: wait.as_secs().max(1),
            }
        })
    }

    /// Forgets addresses whose buckets are full again, so memory follows recent clients only.
    pub fn forget_idle(&self) {
        for limiter in [
            &self.join,
            &self.join_code,
            &self.login,
            &self.ask,
            &self.report,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Runs [`RateLimits::forget_idle`] every minute while `limits` lives.
    pub fn spawn_janitor(limits: &std::sync::Arc<RateLimits>) {
        let weak = std::sync::Arc::downgrade(limits);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                match weak.upgrade() {
                    Some(limits) => limits.forget_idle(),
                    None => return,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(ClientAddress(a).key(), ClientAddress(b).key());
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            ClientAddress(mapped).key(),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn a_bucket_empties_and_says_when_to_come_back() {
        let limits = RateLimits::new(&LimitSettings {
            joins_per_minute_per_address: 60,
            join_code_lookups_per_minute_per_address: 20,
            logins_per_minute_per_address: 10,
            questions_per_minute_per_address: 120,
            reports_per_minute_per_address: 10,
        });
        let me = ClientAddress("198.51.100.4".parse().unwrap());
        for _ in 0..20 {
            RateLimits::check(&limits.join_code, me).unwrap();
        }
        match RateLimits::check(&limits.join_code, me) {
            Err(AppError::TooManyRequests {
                retry_after_seconds,
            }) => assert!(retry_after_seconds >= 1),
            other => panic!("{other:?}"),
        }
        let neighbour = ClientAddress("198.51.100.5".parse().unwrap());
        assert!(RateLimits::check(&limits.join_code, neighbour).is_ok());
    }
}
