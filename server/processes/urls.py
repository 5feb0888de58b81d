from django.urls import path

from server.processes import api

urlpatterns = [
    path("processes", api.ProcessListApi.as_view(), name="process-list"),
    path("processes/<slug:key>", api.ProcessDetailApi.as_view(), name="process-detail"),
    path(
        "processes/<slug:key>/versions/<int:version>/bpmn",
        api.ProcessVersionBpmnApi.as_view(),
        name="process-bpmn",
    ),
    path("deadlines", api.DeadlineListApi.as_view(), name="deadline-list"),
    path("instances", api.InstanceListApi.as_view(), name="instance-list"),
    path("instances/<int:pk>", api.InstanceDetailApi.as_view(), name="instance-detail"),
    path("tasks", api.TaskListApi.as_view(), name="task-list"),
    path("tasks/<int:pk>", api.TaskDetailApi.as_view(), name="task-detail"),
    path("tasks/<int:pk>/claim", api.TaskClaimApi.as_view(), name="task-claim"),
    path("tasks/<int:pk>/unclaim", api.TaskUnclaimApi.as_view(), name="task-unclaim"),
    path("tasks/<int:pk>/complete", api.TaskCompleteApi.as_view(), name="task-complete"),
]
