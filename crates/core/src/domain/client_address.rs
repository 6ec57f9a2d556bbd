//! The client address a limit counts against. IPv4 addresses count one by one; an IPv6 client
//! usually holds a whole /64 (often more), so counting single IPv6 addresses would let one
//! client rotate through 2^64 fresh buckets. IPv6 addresses are therefore cut to a prefix
//! (`IPV6_PREFIX_LENGTH`, default 64), and an IPv4 address written as IPv6 counts as IPv4.

use std::net::{IpAddr, Ipv6Addr};

/// The bucket of the limits for `ip`, as text: `203.0.113.9`, `2001:db8:1:2::/64`, or
/// `unknown` for anything that is not an IP address (every such request shares one bucket).
pub fn bucket(ip: &str, ipv6_prefix: u8) -> String {
    match ip.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("{}/{ipv6_prefix}", masked(v6, ipv6_prefix)),
        },
        Err(_) => "unknown".to_owned(),
    }
}

fn masked(address: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let bits = u128::from(address);
    let mask = match prefix {
        0 => 0,
        p if p >= 128 => u128::MAX,
        p => u128::MAX << (128 - u32::from(p)),
    };
    Ipv6Addr::from(bits & mask)
}

#[cfg(test)]
mod tests {
    use super::bucket;

    #[test]
    fn ipv4_addresses_count_one_by_one() {
        assert_eq!(bucket("203.0.113.9", 64), "203.0.113.9");
        assert_ne!(bucket("203.0.113.9", 64), bucket("203.0.113.10", 64));
        assert_eq!(bucket("::ffff:203.0.113.9", 64), "203.0.113.9");
    }

    #[test]
    fn ipv6_addresses_in_one_prefix_share_a_bucket() {
        let a = bucket("2001:db8:aa:bb:1:2:3:4", 64);
        assert_eq!(a, "2001:db8:aa:bb::/64");
        assert_eq!(bucket("2001:db8:aa:bb:ffff:ffff:ffff:ffff", 64), a);
        assert_ne!(bucket("2001:db8:aa:bc::1", 64), a);
        assert_eq!(bucket("2001:db8:aa:bc::1", 48), "2001:db8:aa::/48");
        assert_eq!(bucket("2001:db8::1", 128), "2001:db8::1/128");
    }

    #[test]
    fn anything_else_is_one_unknown_bucket() {
        for junk in ["", "unknown", "1.2.3.4}:x", "2001:db8::1%eth0", "999.1.1.1"] {
            assert_eq!(bucket(junk, 64), "unknown", "{junk:?}");
        }
    }
}
