from django.urls import path

from server.processes import api, events_api, figures_api

urlpatterns = [
    path("processes", api.ProcessListApi.as_view(), name="process-list"),
    path("processes/validate", api.ProcessValidateApi.as_view(), name="process-validate"),
    path(
        "processes/service-operators", api.ServiceOperatorListApi.as_view(), name="process-service-operators"
    ),
    path("processes/<slug:key>", api.ProcessDetailApi.as_view(), name="process-detail"),
    path(
        "processes/<slug:key>/versions/<int:version>/bpmn",
        api.ProcessVersionBpmnApi.as_view(),
        name="process-bpmn",
    ),
    path(
        "processes/<slug:key>/versions/<int:version>/files",
        api.ProcessVersionFilesApi.as_view(),
        name="process-files",
    ),
    path(
        "processes/<slug:key>/versions/<int:version>/retire",
        api.ProcessVersionRetireApi.as_view(),
        name="process-version-retire",
    ),
    path(
        "processes/<slug:key>/versions/<int:version>/restore",
        api.ProcessVersionRestoreApi.as_view(),
        name="process-version-restore",
    ),
    path("processes/<slug:key>/diff", api.ProcessDiffApi.as_view(), name="process-diff"),
    path("processes/<slug:key>/migrations", api.ProcessMigrationApi.as_view(), name="process-migrations"),
    path("deadlines", api.DeadlineListApi.as_view(), name="deadline-list"),
    path("instances", api.InstanceListApi.as_view(), name="instance-list"),
    path("instances/<int:pk>", api.InstanceDetailApi.as_view(), name="instance-detail"),
    path("instances/<int:pk>/diagram", api.InstanceDiagramApi.as_view(), name="instance-diagram"),
    path("tasks", api.TaskListApi.as_view(), name="task-list"),
    path("tasks/counts", api.TaskCountsApi.as_view(), name="task-counts"),
    path("task-filters", api.SavedTaskFilterListApi.as_view(), name="task-filter-list"),
    path("task-filters/<int:pk>", api.SavedTaskFilterDetailApi.as_view(), name="task-filter-detail"),
    path("tasks/<int:pk>", api.TaskDetailApi.as_view(), name="task-detail"),
    path("tasks/<int:pk>/claim", api.TaskClaimApi.as_view(), name="task-claim"),
    path("tasks/<int:pk>/unclaim", api.TaskUnclaimApi.as_view(), name="task-unclaim"),
    path("tasks/<int:pk>/complete", api.TaskCompleteApi.as_view(), name="task-complete"),
    path("figures/cases", figures_api.FigureCasesApi.as_view(), name="figure-cases"),
    path("figures/volume", figures_api.FigureVolumeApi.as_view(), name="figure-volume"),
    path("figures/overdue", figures_api.FigureOverdueApi.as_view(), name="figure-overdue"),
    path("messages", events_api.MessageApi.as_view(), name="message-deliver"),
    path("signals", events_api.SignalApi.as_view(), name="signal-broadcast"),
]
