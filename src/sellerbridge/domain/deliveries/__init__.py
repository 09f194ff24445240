"""Deliveries to the warehouse, pure (B14, B13, B9): the message, the retry schedule, the circuit breaker."""
