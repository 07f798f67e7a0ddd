-- Monthly revenue per customer.
SELECT c.name, sum(o.total) AS revenue
FROM orders o
JOIN customers c ON c.id = o.customer_id
WHERE o.created_at >= :since
GROUP BY c.name;

SELECT count(*) FROM orders WHERE tenant_id = :tenant_id;
