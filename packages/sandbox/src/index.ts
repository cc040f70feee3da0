/**
 * @dsync/sandbox: local replicas of the Tushare Pro and Nasdaq Data Link APIs.
 *
 * Built so far: the fake market's deterministic trade calendar, the ground truth every
 * by-date sync is checked against. The HTTP replicas, their limits and faults come with
 * their own issue.
 */
export { isOpenDay, tradeCalendar, type CalendarDay } from './trade-calendar.js';
