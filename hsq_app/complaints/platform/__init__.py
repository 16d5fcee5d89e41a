"""External work orders (12345 hotline, 信访): the platform's own order, deadlines and lifecycle.

``orders`` owns the lifecycle on our side (sign for, send back, extension, answer, close),
``delivery`` tells the platform (signed JSON, retries, idempotency keys, the delivery log),
``callbacks`` takes what the platform tells us (回访 result, extension decision, 催办/督办).
"""
