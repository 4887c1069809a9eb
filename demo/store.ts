/**
 * The demo shop's in-memory store. One per app instance; nothing is shared between instances.
 * Every read returns copies, so a route handler can decorate a result (e.g. add `customer`)
 * without touching stored data.
 */
import { isoSeconds, orderId, seedData, type Customer, type Order, type OrderStatus } from './seed.js';

export interface NewOrder {
  customer_id: string;
  amount: number;
  currency: string;
  status?: OrderStatus;
}

export interface OrderPage {
  data: Order[];
  has_more: boolean;
}

export interface ListOrdersQuery {
  limit: number;
  /** Id of the last order of the previous page. */
  startingAfter?: string;
}

export class ShopStore {
  /** Oldest first, in creation order; lists read it backwards (newest first). */
  readonly #orders: Order[];
  readonly #orderIndex = new Map<string, number>();
  readonly #customers = new Map<string, Customer>();
  #lastOrderNumber: number;

  constructor(options: { orders?: number } = {}) {
    const seed = seedData(options);
    for (const customer of seed.customers) this.#customers.set(customer.id, customer);
    this.#orders = seed.orders;
    seed.orders.forEach((order, index) => this.#orderIndex.set(order.id, index));
    this.#lastOrderNumber = seed.orders.length;
  }

  /**
   * One page of orders, newest first. `undefined` when the cursor names no order.
   *
   * @example
   * store.listOrders({ limit: 10, startingAfter: 'ord_0016' }); // ord_0015 … ord_0006
   */
  listOrders(query: ListOrdersQuery): OrderPage | undefined {
    let position = this.#orders.length - 1;
    if (query.startingAfter !== undefined) {
      const index = this.#orderIndex.get(query.startingAfter);
      if (index === undefined) return undefined;
      position = index - 1;
    }
    const data: Order[] = [];
    for (; position >= 0 && data.length < query.limit; position -= 1) {
      data.push({ ...this.#orders[position] });
    }
    return { data, has_more: position >= 0 };
  }

  getOrder(id: string): Order | undefined {
    const index = this.#orderIndex.get(id);
    return index === undefined ? undefined : { ...this.#orders[index] };
  }

  getCustomer(id: string): Customer | undefined {
    const customer = this.#customers.get(id);
    return customer === undefined ? undefined : { ...customer };
  }

  /** Stores a new order under the next sequential id; the caller has checked the customer exists. */
  createOrder(input: NewOrder, at: Date): Order {
    this.#lastOrderNumber += 1;
    const order: Order = {
      id: orderId(this.#lastOrderNumber),
      customer_id: input.customer_id,
      amount: input.amount,
      currency: input.currency,
      status: input.status ?? 'pending',
      created_at: isoSeconds(at),
    };
    this.#orderIndex.set(order.id, this.#orders.length);
    this.#orders.push(order);
    return { ...order };
  }
}
