from django.db import connection


def order_total(request, order_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT total FROM orders WHERE id = %s", [order_id])
        return cursor.fetchone()


def open_orders(request, customer_id):
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT o.id, o.total
            FROM orders o
            WHERE o.customer_id = %(customer)s OR o.status = 'open'
            ORDER BY o.id
        """, {"customer": customer_id})
        return cursor.fetchall()


def cancel(request, order_id):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE orders SET status = 'cancelled' WHERE id = $1 RETURNING id", [order_id])


def everything(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM orders")
        return cursor.fetchall()
