//! The client's address behind a reverse proxy. Only a peer that is itself a
//! trusted proxy may speak for the client, and then the right-most
//! `X-Forwarded-For` address that is not a trusted proxy wins: everything to
//! its left was written by the client and proves nothing.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;

use actix_web::http::header::HeaderMap;

use crate::config::Config;
use crate::AppState;

/// At most this many hops are read from the right of the headers; a longer
/// chain is a client padding it, and the work stays bounded.
const MAX_HOPS: usize = 32;

pub use crate::support::cidr::{default_trusted_proxies, parse_cidrs, Cidr};

/// One hop as a proxy wrote it: an address (`1.2.3.4`, `1.2.3.4:80`,
/// `[::1]:80`, `::1`), else `None` (garbage, `unknown`, an obfuscated name).
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if s.len() > 64 {
        return None;
    }
    let s = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    s.parse::<IpAddr>()
        .or_else(|_| s.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The hops of `X-Forwarded-For` (all its lines, in order), right-most first.
fn xff_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let lines: Vec<&[u8]> = headers
        .get_all("x-forwarded-for")
        .map(|v| v.as_bytes())
        .collect();
    lines
        .iter()
        .rev()
        .flat_map(|line| {
            std::str::from_utf8(line)
                .unwrap_or("?")
                .rsplit(',')
                .map(parse_hop)
        })
        .take(MAX_HOPS)
        .collect()
}

/// The `for=` hops of `Forwarded` (RFC 7239), right-most first.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let lines: Vec<&[u8]> = headers.get_all("forwarded").map(|v| v.as_bytes()).collect();
    lines
        .iter()
        .rev()
        .flat_map(|line| {
            std::str::from_utf8(line)
                .unwrap_or("?")
                .rsplit(',')
                .map(|element| {
                    element.split(';').find_map(|pair| {
                        let (k, v) = pair.split_once('=')?;
                        k.trim().eq_ignore_ascii_case("for").then(|| parse_hop(v))?
                    })
                })
        })
        .take(MAX_HOPS)
        .collect()
}

/// The client address for a request from `peer`: the peer itself unless
/// `--trust-proxy` is on and the peer is a trusted proxy; then, walking the
/// forwarding chain from the right, the first address that is not a trusted
/// proxy. A malformed hop ends the walk at the last trusted one: whoever
/// wrote it is not to be believed about anything further left.
pub fn client_ip(config: &Config, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let peer = peer.to_canonical();
    let trusted = |ip: IpAddr| config.trusted_proxies.iter().any(|c| c.contains(ip));
    if !config.trust_proxy || !trusted(peer) {
        return peer;
    }
    let hops = if config.trust_forwarded_header && headers.contains_key("forwarded") {
        forwarded_hops(headers)
    } else {
        xff_hops(headers)
    };
    let mut client = peer;
    for hop in hops {
        let Some(ip) = hop else { break };
        client = ip;
        if !trusted(ip) {
            break;
        }
    }
    client
}

/// Logs once per process when forwarding headers arrive that are not
/// honoured: the flag is off (every client then shares the proxy's address
/// in throttles, sessions and the audit log), or the peer is not listed.
pub fn note_ignored_forwarding(state: &AppState, peer: Option<IpAddr>, headers: &HeaderMap) {
    if !(headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded")) {
        return;
    }
    let config = &state.config;
    let peer_trusted = peer.is_some_and(|p| config.trusted_proxies.iter().any(|c| c.contains(p)));
    if config.trust_proxy && peer_trusted {
        return;
    }
    if state.forwarding_noted.swap(true, Ordering::Relaxed) {
        return;
    }
    if config.trust_proxy {
        tracing::warn!(
            peer = ?peer,
            "requests carry X-Forwarded-For/Forwarded from a peer outside ATRIUM_TRUSTED_PROXIES; \
             those headers are ignored (add the proxy's address to ATRIUM_TRUSTED_PROXIES)"
        );
    } else {
        tracing::warn!(
            "requests carry X-Forwarded-For/Forwarded but --trust-proxy is off: client addresses \
             are the proxy's, so per-IP throttles, sessions and the audit log see one address \
             (set ATRIUM_TRUST_PROXY behind a reverse proxy)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_contain_their_addresses_only() {
        let ten: Cidr = "10.0.0.0/8".parse().expect("cidr");
        assert!(ten.contains("10.255.1.2".parse().expect("ip")));
        assert!(!ten.contains("11.0.0.1".parse().expect("ip")));
        assert!(!ten.contains("::1".parse().expect("ip")));
        let lo6: Cidr = "::1".parse().expect("cidr");
        assert!(lo6.contains("::1".parse().expect("ip")));
        let mapped: Cidr = "127.0.0.0/8".parse().expect("cidr");
        assert!(mapped.contains("::ffff:127.0.0.1".parse().expect("ip")));
        let all: Cidr = "0.0.0.0/0".parse().expect("cidr");
        assert!(all.contains("203.0.113.7".parse().expect("ip")));
        let v6: Cidr = "2001:db8::/32".parse().expect("cidr");
        assert!(v6.contains("2001:db8:1::5".parse().expect("ip")));
        assert_eq!(v6.to_string(), "2001:db8::/32");
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "example.com",
            "10.0.0/8",
            "1.2.3.4/x",
            "",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_cidrs("127.0.0.0/8, ::1").expect("list"),
            default_trusted_proxies()
        );
    }

    #[test]
    fn hops_are_addresses_with_or_without_ports_and_nothing_else() {
        assert_eq!(parse_hop(" 1.2.3.4 "), "1.2.3.4".parse().ok());
        assert_eq!(parse_hop("1.2.3.4:8080"), "1.2.3.4".parse().ok());
        assert_eq!(
            parse_hop("\"[2001:db8::1]:443\""),
            "2001:db8::1".parse().ok()
        );
        assert_eq!(parse_hop("[::1]"), "::1".parse().ok());
        assert_eq!(parse_hop("unknown"), None);
        assert_eq!(parse_hop(&"1".repeat(5000)), None);
    }
}
