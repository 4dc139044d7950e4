//! The matching engine against scripted quotes and against the seeded market.
