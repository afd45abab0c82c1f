//! A per-thread stock of emptied header maps.
//!
//! Every response needs a `HeaderMap`, and every request's environ drops one (hyper parses
//! each request into the map of the response before it). Handing the dropped map to the next
//! response saves two allocations and two frees per request. The stock is per thread, so
//! taking and giving back never contend, and small, so it never holds much memory.

use http::HeaderMap;
use std::cell::RefCell;

/// Maps kept per thread.
const STOCK_SIZE: usize = 8;

/// A map that grew past this many headers is freed instead of kept.
const LARGEST_KEPT: usize = 64;

thread_local! {
    static STOCK: RefCell<Vec<HeaderMap>> = const { RefCell::new(Vec::new()) };
}

/// An empty map with room for `capacity` headers: from the stock when it has one.
pub(crate) fn take(capacity: usize) -> HeaderMap {
    let stocked = STOCK
        .try_with(|stock| stock.borrow_mut().pop())
        .ok()
        .flatten();
    match stocked {
        Some(mut map) => {
            map.reserve(capacity);
            map
        }
        None => HeaderMap::with_capacity(capacity),
    }
}

/// Empties `map` into the stock, or frees it when the stock is full or the map is large.
pub(crate) fn give_back(mut map: HeaderMap) {
    if map.capacity() == 0 || map.capacity() > LARGEST_KEPT {
        return;
    }
    map.clear();
    // During thread exit the stock may be gone; the map is then simply freed.
    let _ = STOCK.try_with(|stock| {
        let mut stock = stock.borrow_mut();
        if stock.len() < STOCK_SIZE {
            stock.push(map);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{HeaderValue, CONTENT_TYPE};

    #[test]
    fn a_map_given_back_comes_back_empty_and_keeps_its_room() {
        let mut map = HeaderMap::with_capacity(8);
        map.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        let room = map.capacity();
        give_back(map);
        let again = take(2);
        assert!(again.is_empty());
        assert_eq!(again.capacity(), room);
    }

    #[test]
    fn the_stock_is_bounded_and_large_maps_are_not_kept() {
        std::thread::spawn(|| {
            give_back(HeaderMap::with_capacity(LARGEST_KEPT * 2));
            assert_eq!(STOCK.with_borrow(Vec::len), 0);
            for _ in 0..STOCK_SIZE * 2 {
                give_back(HeaderMap::with_capacity(4));
            }
            assert_eq!(STOCK.with_borrow(Vec::len), STOCK_SIZE);
        })
        .join()
        .unwrap();
    }
}
