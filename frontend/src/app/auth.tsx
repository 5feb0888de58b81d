import { useQuery, useQueryClient } from '@tanstack/react-query'
import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react'

import { api, ApiError } from './api'
import type { Me } from './types'

export const STAFF_ROLES = ['caseworker', 'reviewer', 'director', 'lawyer', 'notary', 'mediator'] as const

interface AuthState {
  me: Me | null
  loading: boolean
  login: (username: string, password: string) => Promise<Me>
  logout: () => Promise<void>
  refresh: () => Promise<void>
  hasRole: (...roles: string[]) => boolean
}

const AuthContext = createContext<AuthState | null>(null)

async function fetchMe(): Promise<Me | null> {
  try {
    return await api<Me>('/auth/me')
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null
    throw error
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient()
  const query = useQuery({ queryKey: ['me'], queryFn: fetchMe, staleTime: 60_000, retry: false })
  const me = query.data ?? null

  const login = useCallback(
    async (username: string, password: string) => {
      const result = await api<{ user: Me }>('/auth/login', { json: { username, password } })
      // Not client.clear(): that orphans the ['me'] query this provider observes, so `me` would
      // stay null and the first guarded page would send the user back to /login.
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'me' })
      client.setQueryData(['me'], result.user)
      return result.user
    },
    [client],
  )
  const logout = useCallback(async () => {
    await api('/auth/logout', { method: 'POST' })
    client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'me' })
    client.setQueryData(['me'], null)
  }, [client])
  const refresh = useCallback(async () => {
    await client.invalidateQueries({ queryKey: ['me'] })
  }, [client])
  const hasRole = useCallback(
    (...roles: string[]) => Boolean(me && me.roles.some((role) => roles.includes(role))),
    [me],
  )

  const value = useMemo(
    () => ({ me, loading: query.isLoading, login, logout, refresh, hasRole }),
    [me, query.isLoading, login, logout, refresh, hasRole],
  )
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext)
  if (!state) throw new Error('useAuth outside AuthProvider')
  return state
}

/** Where a user lands after logging in: the screen of their main role. */
export function homeFor(me: Me | null): string {
  if (!me) return '/login'
  const roles = new Set(me.roles)
  if (roles.has('applicant') && roles.size === 1) return '/portal'
  if (STAFF_ROLES.some((role) => roles.has(role))) return '/workbench'
  if (roles.has('supervisor')) return '/dashboard'
  if (roles.has('designer')) return '/designer'
  if (roles.has('admin')) return '/designer'
  return '/portal'
}
