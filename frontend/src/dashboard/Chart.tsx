/**
 * ECharts, loaded only when a chart is on screen (this module is imported lazily), with only
 * the chart types and components the dashboard uses registered.
 */
import ReactEChartsCore from 'echarts-for-react/esm/core'
import { BarChart, LineChart } from 'echarts/charts'
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, AriaComponent, GridComponent, LegendComponent, TooltipComponent, SVGRenderer])

export interface ChartClick {
  data?: unknown
  dataIndex?: number
  seriesIndex?: number
  seriesName?: string
  name?: string
}

export interface ChartProps {
  option: object
  height: number
  onClick?: (params: ChartClick) => void
  testId?: string
}

export default function Chart({ option, height, onClick, testId }: ChartProps) {
  return (
    <div data-testid={testId} aria-hidden="true">
      <ReactEChartsCore
        echarts={echarts}
        option={option}
        notMerge
        lazyUpdate
        style={{ height, width: '100%' }}
        opts={{ renderer: 'svg' }}
        onEvents={onClick ? { click: onClick } : undefined}
      />
    </div>
  )
}
