/** Server times shown in Beijing time as YYYY-MM-DD HH:mm. */
export { formatDateTime as formatTime } from '../shared/dates'
